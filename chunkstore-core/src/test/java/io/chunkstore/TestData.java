package io.chunkstore;

import java.util.Random;

/** Reproducible test content: random, compressible, or with repeats, so dedup has work to do. */
public final class TestData {
  private TestData() {}

  /** {@code n} bytes from {@code seed}: half random, half text-like, so zstd has something to do. */
  public static byte[] bytes(long seed, int n) {
    Random r = new Random(seed);
    byte[] b = new byte[n];
    int i = 0;
    while (i < n) {
      int run = Math.min(n - i, 1 + r.nextInt(4096));
      if (r.nextBoolean()) {
        for (int k = 0; k < run; k++) {
          b[i + k] = (byte) r.nextInt(256);
        }
      } else {
        for (int k = 0; k < run; k++) {
          b[i + k] = (byte) ('a' + (k * 7 + run) % 26);
        }
      }
      i += run;
    }
    return b;
  }
}
