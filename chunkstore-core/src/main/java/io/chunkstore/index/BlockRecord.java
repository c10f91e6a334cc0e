package io.chunkstore.index;

import io.chunkstore.id.PackId;

/**
 * Where a block is stored: its pack and the frame that holds it, enough to fetch it with one
 * range read.
 *
 * @param pack the super-chunk that holds the block
 * @param frameOffset where the frame starts in the pack
 * @param frameLength the whole frame's length on disk
 * @param offsetInFrame where the block starts in the frame's decompressed bytes
 * @param length the block's uncompressed length
 */
public record BlockRecord(PackId pack, long frameOffset, int frameLength, int offsetInFrame, int length) {
  static final int ENCODED_LENGTH = PackId.LENGTH + 8 + 4 + 4 + 4;

  byte[] encode() {
    byte[] b = new byte[ENCODED_LENGTH];
    pack.copyTo(b, 0);
    Codec64.putLong(b, 16, frameOffset);
    Codec64.putInt(b, 24, frameLength);
    Codec64.putInt(b, 28, offsetInFrame);
    Codec64.putInt(b, 32, length);
    return b;
  }

  static BlockRecord decode(byte[] b) {
    return new BlockRecord(PackId.read(b, 0), Codec64.getLong(b, 16), Codec64.getInt(b, 24),
        Codec64.getInt(b, 28), Codec64.getInt(b, 32));
  }
}
