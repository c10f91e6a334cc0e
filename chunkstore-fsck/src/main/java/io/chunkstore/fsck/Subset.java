package io.chunkstore.fsck;

import io.chunkstore.id.PackId;
import java.util.Locale;

/**
 * Which packs {@code --read-data-subset} reads: {@code N%} (a share, chosen by pack id, so the
 * same packs each time) or {@code K/M} (the K-th of M parts: M runs with K = 1..M read every pack
 * exactly once, as restic's {@code --read-data-subset n/t}).
 */
public final class Subset {
  /** Every pack. */
  public static final Subset ALL = new Subset("all", 0, 1, 1);

  private final String spec;
  private final double share;
  private final int part;
  private final int parts;

  private Subset(String spec, double share, int part, int parts) {
    this.spec = spec;
    this.share = share;
    this.part = part;
    this.parts = parts;
  }

  /**
   * Parses {@code N%} or {@code K/M}.
   *
   * @throws IllegalArgumentException with a sentence for the user if it is neither
   */
  public static Subset parse(String s) {
    String t = s.trim().toLowerCase(Locale.ROOT);
    try {
      if (t.endsWith("%")) {
        double n = Double.parseDouble(t.substring(0, t.length() - 1));
        if (n > 0 && n <= 100) {
          return n == 100 ? ALL : new Subset(t, n / 100, 0, 0);
        }
      } else if (t.contains("/")) {
        int k = Integer.parseInt(t.substring(0, t.indexOf('/')));
        int m = Integer.parseInt(t.substring(t.indexOf('/') + 1));
        if (m >= 1 && k >= 1 && k <= m) {
          return m == 1 ? ALL : new Subset(k + "/" + m, 0, k, m);
        }
      }
    } catch (NumberFormatException e) {
      // the sentence below says what is expected
    }
    throw new IllegalArgumentException("a subset is N% (0 < N <= 100) or K/M (1 <= K <= M), not '" + s + "'");
  }

  /** True if the pack {@code id} is in this subset. */
  public boolean includes(PackId id) {
    if (this == ALL) {
      return true;
    }
    long v = Long.parseUnsignedLong(id.hex().substring(0, 8), 16);
    if (parts > 0) {
      return v % parts == part - 1;
    }
    return v < share * (1L << 32);
  }

  @Override
  public String toString() {
    return spec;
  }
}
