package io.chunkstore.id;

import java.util.Arrays;
import java.util.HexFormat;

/**
 * The name of a block: the 32-byte hash of its uncompressed content.
 *
 * <p>Immutable; equal ids mean equal content (up to the hash's collision resistance), which is
 * what lets the store keep every distinct block once. Ordered as unsigned bytes, the same order
 * RocksDB keeps them in.
 */
public final class BlockId implements Comparable<BlockId> {
  /** Length of every block id in bytes. */
  public static final int LENGTH = 32;

  private static final HexFormat HEX = HexFormat.of();

  private final byte[] bytes;
  private final int hash;

  private BlockId(byte[] bytes) {
    this.bytes = bytes;
    this.hash = Arrays.hashCode(bytes);
  }

  /** Takes ownership of {@code bytes} without copying; callers must not change the array afterwards. */
  public static BlockId wrap(byte[] bytes) {
    if (bytes.length != LENGTH) {
      throw new IllegalArgumentException("a block id has " + LENGTH + " bytes, not " + bytes.length);
    }
    return new BlockId(bytes);
  }

  /** Reads an id from {@code LENGTH} bytes of {@code src} starting at {@code off}. */
  public static BlockId read(byte[] src, int off) {
    return new BlockId(Arrays.copyOfRange(src, off, off + LENGTH));
  }

  /** Parses the 64-character lower- or upper-case hex form. */
  public static BlockId fromHex(String hex) {
    if (hex.length() != LENGTH * 2) {
      throw new IllegalArgumentException("a block id is " + LENGTH * 2 + " hex digits: " + hex);
    }
    return new BlockId(HEX.parseHex(hex));
  }

  /** A copy of the id's bytes. */
  public byte[] toBytes() {
    return bytes.clone();
  }

  /** Writes the id's bytes into {@code dst} at {@code off}. */
  public void copyTo(byte[] dst, int off) {
    System.arraycopy(bytes, 0, dst, off, LENGTH);
  }

  /** The 64-character lower-case hex form. */
  public String hex() {
    return HEX.formatHex(bytes);
  }

  /** The first 12 hex digits, for messages. */
  public String shortHex() {
    return hex().substring(0, 12);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof BlockId other && hash == other.hash && Arrays.equals(bytes, other.bytes);
  }

  @Override
  public int hashCode() {
    return hash;
  }

  @Override
  public int compareTo(BlockId o) {
    return Arrays.compareUnsigned(bytes, o.bytes);
  }

  @Override
  public String toString() {
    return hex();
  }
}
