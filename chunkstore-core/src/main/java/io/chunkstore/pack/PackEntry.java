package io.chunkstore.pack;

import io.chunkstore.id.BlockId;

/**
 * Where one block lives in a pack: the frame that holds it (offset and length, for a single range
 * read) and its place in the frame's decompressed bytes. This is what the block index stores and
 * what a pack trailer repeats, so the index can be rebuilt from the packs.
 *
 * @param id the block's hash
 * @param frameOffset offset of the frame from the start of the pack
 * @param frameLength length of the whole frame, header and checksum included
 * @param offsetInFrame where the block starts in the frame's decompressed bytes
 * @param length the block's length
 * @param codec the frame's codec id (0 = stored raw)
 */
public record PackEntry(
    BlockId id, long frameOffset, int frameLength, int offsetInFrame, int length, byte codec) {}
