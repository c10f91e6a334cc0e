package io.chunkstore.index;

import io.chunkstore.id.BlockId;

/**
 * A piece of a regular file: {@code length} bytes at {@code fileOffset} are the bytes of
 * {@code block} starting at {@code blockOffset}. Bytes of a file that no extent covers are a
 * hole and read as zeros.
 */
public record Extent(long fileOffset, BlockId block, int blockOffset, int length) {
  static final int VALUE_LENGTH = BlockId.LENGTH + 4 + 4;

  /** The offset just past this extent. */
  public long end() {
    return fileOffset + length;
  }

  byte[] encodeValue() {
    byte[] b = new byte[VALUE_LENGTH];
    block.copyTo(b, 0);
    Codec64.putInt(b, 32, blockOffset);
    Codec64.putInt(b, 36, length);
    return b;
  }

  static Extent decode(long fileOffset, byte[] v) {
    return new Extent(fileOffset, BlockId.read(v, 0), Codec64.getInt(v, 32), Codec64.getInt(v, 36));
  }
}
