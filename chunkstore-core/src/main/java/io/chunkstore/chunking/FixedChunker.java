package io.chunkstore.chunking;

import java.util.Objects;

/**
 * Cuts fixed-size chunks. Much cheaper than content-defined chunking but an insertion shifts every
 * later boundary, so it only deduplicates data that changes in place: disk images, databases,
 * VM files.
 *
 * <p>Immutable and thread-safe.
 */
public final class FixedChunker implements Chunker {
  private final int size;

  /**
   * Creates a chunker that cuts {@code size}-byte chunks.
   *
   * @throws IllegalArgumentException unless {@code 64 <= size <= 16M}
   */
  public FixedChunker(int size) {
    if (size < FastCdcChunker.MIN_ALLOWED) {
      throw new IllegalArgumentException(
          "fixed chunk size " + size + " is below the smallest allowed, "
              + FastCdcChunker.MIN_ALLOWED);
    }
    if (size > FastCdcChunker.MAX_ALLOWED) {
      throw new IllegalArgumentException(
          "fixed chunk size " + size + " exceeds the largest allowed, 16M");
    }
    this.size = size;
  }

  @Override
  public String spec() {
    return "fixed:" + Chunkers.formatSize(size);
  }

  @Override
  public int minSize() {
    return size;
  }

  @Override
  public int maxSize() {
    return size;
  }

  @Override
  public int cut(byte[] buf, int off, int len) {
    Objects.checkFromIndexSize(off, len, buf.length);
    if (len <= 0) {
      throw new IllegalArgumentException("Chunker.cut needs at least one byte");
    }
    return Math.min(len, size);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof FixedChunker c && c.size == size;
  }

  @Override
  public int hashCode() {
    return Integer.hashCode(size);
  }

  @Override
  public String toString() {
    return spec();
  }
}
