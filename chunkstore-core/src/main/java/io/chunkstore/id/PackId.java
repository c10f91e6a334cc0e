package io.chunkstore.id;

import java.security.SecureRandom;
import java.util.Arrays;
import java.util.HexFormat;

/**
 * The name of a super-chunk (pack file): 16 random bytes, unique within a store.
 *
 * <p>Random rather than content-derived so that a pack can be named before it is written; its
 * integrity is guarded by the frame and trailer checksums inside it.
 */
public final class PackId implements Comparable<PackId> {
  /** Length of every pack id in bytes. */
  public static final int LENGTH = 16;

  private static final HexFormat HEX = HexFormat.of();
  private static final SecureRandom RANDOM = new SecureRandom();

  private final byte[] bytes;

  private PackId(byte[] bytes) {
    this.bytes = bytes;
  }

  /** A fresh random id. */
  public static PackId random() {
    byte[] b = new byte[LENGTH];
    RANDOM.nextBytes(b);
    return new PackId(b);
  }

  /** Reads an id from {@code LENGTH} bytes of {@code src} starting at {@code off}. */
  public static PackId read(byte[] src, int off) {
    return new PackId(Arrays.copyOfRange(src, off, off + LENGTH));
  }

  /** Parses the 32-character hex form. */
  public static PackId fromHex(String hex) {
    if (hex.length() != LENGTH * 2) {
      throw new IllegalArgumentException("a pack id is " + LENGTH * 2 + " hex digits: " + hex);
    }
    return new PackId(HEX.parseHex(hex));
  }

  /** Writes the id's bytes into {@code dst} at {@code off}. */
  public void copyTo(byte[] dst, int off) {
    System.arraycopy(bytes, 0, dst, off, LENGTH);
  }

  /** A copy of the id's bytes. */
  public byte[] toBytes() {
    return bytes.clone();
  }

  /** The 32-character lower-case hex form; also the pack's key in a backend. */
  public String hex() {
    return HEX.formatHex(bytes);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof PackId other && Arrays.equals(bytes, other.bytes);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(bytes);
  }

  @Override
  public int compareTo(PackId o) {
    return Arrays.compareUnsigned(bytes, o.bytes);
  }

  @Override
  public String toString() {
    return hex();
  }
}
