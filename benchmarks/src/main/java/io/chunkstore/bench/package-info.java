/** JMH benchmarks of chunkstore's building blocks. */
package io.chunkstore.bench;
