package io.chunkstore.chunking;

import java.util.Objects;

/**
 * Content-defined chunking with FastCDC (Xia et al., USENIX ATC 2016 and IEEE TPDS 2020), so that
 * an insertion or deletion only changes the chunks around it and the rest still deduplicate.
 *
 * <p>A gear hash {@code fp = (fp << 1) + GEAR[b]} runs over the chunk; a cut falls after the
 * first byte where the masked bits of {@code fp} are all zero. It uses:
 *
 * <ul>
 *   <li>cut-point skipping: the first {@code minSize} bytes of a chunk are not hashed at all;
 *   <li>normalized chunking, level 2: up to {@code avgSize} the mask has {@code log2(avg) + 2}
 *       bits (cuts are 4 times rarer), after it {@code log2(avg) - 2} bits (4 times likelier),
 *       which narrows the spread of chunk sizes around the average;
 *   <li>masks made of the highest bits of {@code fp}, since bit {@code k} of a gear hash depends
 *       on the last {@code k + 1} bytes: the top bits see the whole 64-byte window.
 * </ul>
 *
 * <p>Immutable and thread-safe; {@link #cut} allocates nothing.
 */
public final class FastCdcChunker implements Chunker {
  /** The smallest size a chunker accepts for any of its sizes. */
  static final int MIN_ALLOWED = 64;

  /** The largest chunk any chunker may cut: 16 MiB. */
  static final int MAX_ALLOWED = 16 << 20;

  /**
   * Seed of the SplitMix64 sequence that fills {@link #GEAR}.
   *
   * <p>PART OF THE ON-DISK FORMAT. The gear table decides every chunk boundary: changing this
   * seed, the generator or the table in any way gives different chunks for the same data, so a
   * store written before the change no longer deduplicates against new writes. {@code
   * FastCdcChunkerTest} pins the table's checksum and the cut points of a seeded input; if that
   * test fails, the format changed. Introduce a new spec name instead.
   */
  static final long GEAR_SEED = 0x6368756e6b636463L; // "chunkcdc" in ASCII

  /** The 256 gear values, one per byte value; see {@link #GEAR_SEED} before touching it. */
  private static final long[] GEAR = gearTable();

  private final int minSize;
  private final int avgSize;
  private final int maxSize;
  private final long maskS; // before avgSize: stricter, log2(avg) + 2 bits
  private final long maskL; // from avgSize on: looser, log2(avg) - 2 bits

  /**
   * Creates a chunker; see {@link Chunkers#parse(String)} for the spec form.
   *
   * @throws IllegalArgumentException unless {@code 64 <= min < avg < max <= 16M} and avg is a
   *     power of two
   */
  public FastCdcChunker(int minSize, int avgSize, int maxSize) {
    if (minSize < MIN_ALLOWED) {
      throw new IllegalArgumentException(
          "FastCDC min size " + minSize + " is below the smallest allowed, " + MIN_ALLOWED);
    }
    if (minSize >= avgSize) {
      throw new IllegalArgumentException(
          "FastCDC min size " + minSize + " must be less than avg size " + avgSize);
    }
    if (avgSize >= maxSize) {
      throw new IllegalArgumentException(
          "FastCDC avg size " + avgSize + " must be less than max size " + maxSize);
    }
    if (Integer.bitCount(avgSize) != 1) {
      throw new IllegalArgumentException(
          "FastCDC avg size " + avgSize + " must be a power of two");
    }
    if (maxSize > MAX_ALLOWED) {
      throw new IllegalArgumentException(
          "FastCDC max size " + maxSize + " exceeds the largest allowed, 16M");
    }
    this.minSize = minSize;
    this.avgSize = avgSize;
    this.maxSize = maxSize;
    int bits = Integer.numberOfTrailingZeros(avgSize); // 7..23 given the checks above
    this.maskS = topBits(bits + 2);
    this.maskL = topBits(bits - 2);
  }

  private static long topBits(int n) {
    return -1L << (64 - n);
  }

  @Override
  public String spec() {
    return "fastcdc:"
        + Chunkers.formatSize(minSize)
        + ":"
        + Chunkers.formatSize(avgSize)
        + ":"
        + Chunkers.formatSize(maxSize);
  }

  @Override
  public int minSize() {
    return minSize;
  }

  /** The target average chunk size, a power of two; where the mask loosens. */
  public int avgSize() {
    return avgSize;
  }

  @Override
  public int maxSize() {
    return maxSize;
  }

  @Override
  public int cut(byte[] buf, int off, int len) {
    Objects.checkFromIndexSize(off, len, buf.length);
    if (len <= 0) {
      throw new IllegalArgumentException("Chunker.cut needs at least one byte");
    }
    if (len <= minSize) {
      return len; // only possible at the end of the input
    }
    int n = Math.min(len, maxSize);
    int normal = Math.min(avgSize, n);
    final long[] gear = GEAR;
    long fp = 0;
    int i = off + minSize;
    int end = off + normal;
    final long ms = maskS;
    for (; i < end; i++) {
      fp = (fp << 1) + gear[buf[i] & 0xff];
      if ((fp & ms) == 0) {
        return i - off + 1;
      }
    }
    end = off + n;
    final long ml = maskL;
    for (; i < end; i++) {
      fp = (fp << 1) + gear[buf[i] & 0xff];
      if ((fp & ml) == 0) {
        return i - off + 1;
      }
    }
    return n;
  }

  /** A copy of the gear table, for the test that pins it. */
  static long[] gear() {
    return GEAR.clone();
  }

  /** Fills the gear table from SplitMix64 (Steele, Lea and Flood 2014) seeded with GEAR_SEED. */
  private static long[] gearTable() {
    long[] t = new long[256];
    long state = GEAR_SEED;
    for (int i = 0; i < t.length; i++) {
      state += 0x9e3779b97f4a7c15L;
      long z = state;
      z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
      z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
      t[i] = z ^ (z >>> 31);
    }
    return t;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof FastCdcChunker c
        && c.minSize == minSize
        && c.avgSize == avgSize
        && c.maxSize == maxSize;
  }

  @Override
  public int hashCode() {
    return Objects.hash(minSize, avgSize, maxSize);
  }

  @Override
  public String toString() {
    return spec();
  }
}
