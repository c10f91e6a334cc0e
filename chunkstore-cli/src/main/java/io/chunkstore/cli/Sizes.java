package io.chunkstore.cli;

import java.util.Locale;

/** Byte counts for humans and from humans. */
final class Sizes {
  private Sizes() {}

  /** Parses {@code 32M}, {@code 128K}, {@code 1.5G}, {@code 1T} or a plain number of bytes (binary units). */
  static long parse(String s) {
    String t = s.trim().toUpperCase(Locale.ROOT);
    if (t.endsWith("IB")) {
      t = t.substring(0, t.length() - 2);
    } else if (t.endsWith("B")) {
      t = t.substring(0, t.length() - 1);
    }
    int shift = t.isEmpty() ? -1 : "KMGT".indexOf(t.charAt(t.length() - 1));
    if (shift >= 0) {
      t = t.substring(0, t.length() - 1);
    }
    String bad = "'" + s + "' is not a size; use bytes or a number with K, M, G or T, such as 512M or 1.5G";
    if (!t.matches("[0-9]+(\\.[0-9]+)?")) {
      throw new IllegalArgumentException(bad);
    }
    java.math.BigDecimal v = new java.math.BigDecimal(t).multiply(java.math.BigDecimal.valueOf(1L << (10 * (shift + 1))));
    if (v.compareTo(java.math.BigDecimal.valueOf(Long.MAX_VALUE)) > 0) {
      throw new IllegalArgumentException("'" + s + "' is too large a size");
    }
    return v.setScale(0, java.math.RoundingMode.HALF_UP).longValueExact();
  }

  static String human(long bytes) {
    if (bytes < 1024) {
      return bytes + " B";
    }
    String[] units = {"KiB", "MiB", "GiB", "TiB"};
    double v = bytes;
    int u = -1;
    while (v >= 1024 && u < units.length - 1) {
      v /= 1024;
      u++;
    }
    return String.format(Locale.ROOT, "%.1f %s", v, units[u]);
  }
}
