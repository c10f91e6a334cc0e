/**
 * Checking and repairing a store: {@link io.chunkstore.fsck.StructuralCheck} (the index against
 * itself and against the packs' trailers), {@link io.chunkstore.fsck.ReadDataCheck} (every block
 * decoded and hashed), {@link io.chunkstore.fsck.Repair} (applies the fixes findings carry),
 * {@link io.chunkstore.fsck.RepairFrom} (restores lost blocks from copies of the files) and
 * {@link io.chunkstore.fsck.IndexRebuild} (the index from the trailers and the newest metadata
 * backup). Checks produce typed {@link io.chunkstore.fsck.Finding}s; repair is a separate step
 * that consumes them.
 */
package io.chunkstore.fsck;
