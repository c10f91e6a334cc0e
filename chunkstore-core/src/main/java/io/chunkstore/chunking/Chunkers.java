package io.chunkstore.chunking;

import java.util.Locale;

/**
 * Turns persisted chunker specs into chunkers and back, so that a store records how it was
 * chunked as a short string and reopens with exactly the same chunker.
 *
 * <p>Specs: {@code fastcdc:MIN:AVG:MAX} and {@code fixed:SIZE}, where sizes are byte counts with
 * an optional {@code K} (KiB) or {@code M} (MiB) suffix.
 */
public final class Chunkers {
  /** The chunker of new stores: FastCDC with 16 KiB min, 64 KiB average and 256 KiB max. */
  public static final String DEFAULT_SPEC = "fastcdc:16K:64K:256K";

  private static final Chunker DEFAULT = parse(DEFAULT_SPEC);

  private Chunkers() {}

  /** The chunker of {@link #DEFAULT_SPEC}. */
  public static Chunker defaultChunker() {
    return DEFAULT;
  }

  /**
   * Parses a spec such as {@code fastcdc:16K:64K:256K} or {@code fixed:4M}.
   *
   * @throws IllegalArgumentException if the spec is malformed or its sizes are not allowed
   */
  public static Chunker parse(String spec) {
    if (spec == null || spec.isBlank()) {
      throw new IllegalArgumentException("chunker spec is empty");
    }
    String[] parts = spec.trim().split(":", -1);
    String kind = parts[0].toLowerCase(Locale.ROOT);
    switch (kind) {
      case "fastcdc":
        if (parts.length != 4) {
          throw new IllegalArgumentException(
              "chunker spec '" + spec + "' should look like fastcdc:MIN:AVG:MAX, such as "
                  + DEFAULT_SPEC);
        }
        return new FastCdcChunker(
            parseSize(spec, parts[1]), parseSize(spec, parts[2]), parseSize(spec, parts[3]));
      case "fixed":
        if (parts.length != 2) {
          throw new IllegalArgumentException(
              "chunker spec '" + spec + "' should look like fixed:SIZE, such as fixed:64K");
        }
        return new FixedChunker(parseSize(spec, parts[1]));
      default:
        throw new IllegalArgumentException(
            "unknown chunker '" + parts[0] + "' in spec '" + spec
                + "'; use fastcdc:MIN:AVG:MAX or fixed:SIZE");
    }
  }

  /** Parses a byte count with an optional K or M suffix (binary units). */
  static int parseSize(String spec, String s) {
    String t = s.trim();
    long unit = 1;
    if (!t.isEmpty()) {
      char last = Character.toUpperCase(t.charAt(t.length() - 1));
      if (last == 'K') {
        unit = 1L << 10;
      } else if (last == 'M') {
        unit = 1L << 20;
      } else if (last == 'G') {
        unit = 1L << 30;
      }
      if (unit != 1) {
        t = t.substring(0, t.length() - 1);
      }
    }
    if (t.isEmpty() || t.length() > 10 || !t.chars().allMatch(c -> c >= '0' && c <= '9')) {
      throw new IllegalArgumentException(
          "size '" + s + "' in chunker spec '" + spec
              + "' is not a byte count such as 65536, 64K or 1M");
    }
    long v = Long.parseLong(t) * unit;
    if (v > 16L << 20) {
      throw new IllegalArgumentException(
          "size '" + s + "' in chunker spec '" + spec + "' is too large: chunks are at most 16M");
    }
    return (int) v;
  }

  /** Formats a byte count in the shortest exact form: 1M, 64K or 1000. */
  static String formatSize(int size) {
    if (size != 0 && size % (1 << 20) == 0) {
      return (size >> 20) + "M";
    }
    if (size != 0 && size % (1 << 10) == 0) {
      return (size >> 10) + "K";
    }
    return Integer.toString(size);
  }
}
