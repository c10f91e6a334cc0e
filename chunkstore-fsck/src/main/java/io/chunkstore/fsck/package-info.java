/** Reserved for the chunkstore-fsck module; see its open issue. */
package io.chunkstore.fsck;
