/** Reserved for the chunkstore-fuse module; see its open issue. */
package io.chunkstore.fuse;
