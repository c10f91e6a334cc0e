/** Reserved for the tahoe-backend module; see its open issue. */
package io.chunkstore.tahoe;
