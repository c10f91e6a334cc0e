package io.chunkstore.compress;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.github.luben.zstd.Zstd;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

class CodecTest {
  private static final List<Codec> CODECS =
      List.of(
          Codecs.parse("none"),
          Codecs.parse("zstd:1"),
          Codecs.parse("zstd"),
          Codecs.parse("zstd:19"),
          Codecs.parse("zstd:-5"));

  static byte[] random(long seed, int n) {
    byte[] b = new byte[n];
    new SplittableRandom(seed).nextBytes(b);
    return b;
  }

  /** Text-like data that compresses several times over. */
  static byte[] text(int n) {
    StringBuilder sb = new StringBuilder();
    SplittableRandom r = new SplittableRandom(n);
    String[] words = {"chunk", "store", "dedup", "pack", "block", "the", "of", "zstd", "fastcdc"};
    while (sb.length() < n) {
      sb.append(words[r.nextInt(words.length)]).append(r.nextInt(10) == 0 ? '\n' : ' ');
    }
    return Arrays.copyOf(sb.toString().getBytes(StandardCharsets.US_ASCII), n);
  }

  static byte[] compress(Codec c, byte[] raw) {
    byte[] out = new byte[c.maxCompressedLength(raw.length)];
    return Arrays.copyOf(out, c.compress(raw, 0, raw.length, out, 0));
  }

  static byte[] decompress(Codec c, byte[] frame, int rawLength) throws IOException {
    byte[] out = new byte[rawLength];
    c.decompress(frame, 0, frame.length, out, 0, rawLength);
    return out;
  }

  @Test
  void roundTripsAtManySizes() throws IOException {
    List<byte[]> inputs = new ArrayList<>();
    for (int n : new int[] {0, 1, 2, 100, 64 << 10, 1 << 20}) {
      inputs.add(text(n));
      inputs.add(random(n, n));
    }
    inputs.add(new byte[1 << 20]); // all zeros
    for (Codec c : CODECS) {
      for (byte[] raw : inputs) {
        byte[] frame = compress(c, raw);
        assertTrue(frame.length <= c.maxCompressedLength(raw.length));
        assertArrayEquals(raw, decompress(c, frame, raw.length), c.spec() + " " + raw.length);
        // Readers find the codec by the frame's id, whatever level wrote it.
        assertArrayEquals(raw, decompress(Codecs.byId(c.id()), frame, raw.length));
      }
    }
    byte[] t = text(1 << 20);
    assertTrue(compress(Codecs.parse("zstd"), t).length < t.length / 3, "text should compress");
  }

  @Test
  void zstdFramesAreStandardZstd() {
    byte[] raw = text(100_000);
    byte[] frame = compress(Codecs.defaultCodec(), raw);
    assertEquals(raw.length, Zstd.getFrameContentSize(frame));
    assertArrayEquals(raw, Zstd.decompress(frame, raw.length));
  }

  @Test
  void respectsOffsetsWithinLargerArrays() throws IOException {
    for (Codec c : CODECS) {
      byte[] raw = text(70_000);
      byte[] src = random(1, raw.length + 300);
      System.arraycopy(raw, 0, src, 123, raw.length);
      byte[] src0 = src.clone();

      int bound = c.maxCompressedLength(raw.length);
      byte[] packed = random(2, bound + 500);
      byte[] packed0 = packed.clone();
      int clen = c.compress(src, 123, raw.length, packed, 77);
      assertArrayEquals(src0, src, "source must not change");
      assertArrayEquals(Arrays.copyOf(packed0, 77), Arrays.copyOf(packed, 77));
      // Zstd may use the whole maxCompressedLength room as scratch, but nothing past it.
      assertArrayEquals(
          Arrays.copyOfRange(packed0, 77 + bound, packed.length),
          Arrays.copyOfRange(packed, 77 + bound, packed.length));

      byte[] out = random(3, raw.length + 1000);
      byte[] out0 = out.clone();
      c.decompress(packed, 77, clen, out, 555, raw.length);
      assertArrayEquals(raw, Arrays.copyOfRange(out, 555, 555 + raw.length));
      assertArrayEquals(Arrays.copyOf(out0, 555), Arrays.copyOf(out, 555));
      assertArrayEquals(
          Arrays.copyOfRange(out0, 555 + raw.length, out.length),
          Arrays.copyOfRange(out, 555 + raw.length, out.length));

      assertThrows(IndexOutOfBoundsException.class, () -> c.compress(src, 500, raw.length, packed, 0));
      assertThrows(
          IndexOutOfBoundsException.class,
          () -> c.decompress(packed, 77, clen, out, out.length - 10, raw.length));
    }
  }

  @Test
  void damagedZstdFramesThrowOrDecodeExactly() {
    Codec c = Codecs.parse("zstd");
    for (byte[] raw : new byte[][] {text(5000), random(5, 5000), text(300_000)}) {
      byte[] frame = compress(c, raw);
      int damagedThrew = 0;
      for (int pos = 0; pos < frame.length; pos += Math.max(1, frame.length / 2000)) {
        for (int bit : new int[] {0, 3, 7}) {
          byte[] bad = frame.clone();
          bad[pos] ^= (byte) (1 << bit);
          byte[] out = new byte[raw.length];
          try {
            c.decompress(bad, 0, bad.length, out, 0, raw.length);
            // A few header bits are ignored by zstd; then the bytes must still be right.
            assertArrayEquals(raw, out, "damage at " + pos + " gave wrong bytes");
          } catch (IOException expected) {
            damagedThrew++;
          }
        }
      }
      assertTrue(damagedThrew > 0);
      // Truncated, extended with garbage, or replaced by random bytes.
      for (int cut : new int[] {0, 1, 4, frame.length / 2, frame.length - 1}) {
        assertThrows(
            IOException.class, () -> decompress(c, Arrays.copyOf(frame, cut), raw.length));
      }
      byte[] longer = Arrays.copyOf(frame, frame.length + 7);
      System.arraycopy(random(8, 7), 0, longer, frame.length, 7);
      assertThrows(IOException.class, () -> decompress(c, longer, raw.length));
      assertThrows(IOException.class, () -> decompress(c, random(6, frame.length), raw.length));
    }
  }

  @Test
  void wrongRawLengthThrows() throws IOException {
    for (Codec c : CODECS) {
      for (byte[] raw : new byte[][] {text(10_000), random(4, 10_000), new byte[0]}) {
        byte[] frame = compress(c, raw);
        int n = raw.length;
        for (int wrong : new int[] {n - 1, n + 1, n + 1000, 0, -1}) {
          if (wrong == n) {
            continue;
          }
          IOException e =
              assertThrows(
                  IOException.class,
                  () -> c.decompress(frame, 0, frame.length, new byte[n + 2000], 0, wrong),
                  c.spec() + " " + n + " as " + wrong);
          assertTrue(e.getMessage().contains(Integer.toString(wrong)), e.getMessage());
        }
        assertArrayEquals(raw, decompress(c, frame, n));
      }
    }
  }

  @Test
  void concurrentUseFromManyThreads() throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(4);
    try {
      List<Future<?>> futures = new ArrayList<>();
      for (int t = 0; t < 8; t++) {
        final int seed = t;
        futures.add(
            pool.submit(
                () -> {
                  SplittableRandom r = new SplittableRandom(seed);
                  for (int i = 0; i < 60; i++) {
                    Codec c = CODECS.get(r.nextInt(CODECS.size() - 1)); // skip slow level 19
                    int n = r.nextInt(100_000);
                    byte[] raw = r.nextBoolean() ? text(n) : random(r.nextLong(), n);
                    byte[] frame = compress(c, raw);
                    assertArrayEquals(raw, decompress(Codecs.byId(c.id()), frame, n));
                  }
                  return null;
                }));
      }
      for (Future<?> f : futures) {
        f.get();
      }
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void maxCompressedLengthMatchesZstdBound() {
    Codec z = Codecs.defaultCodec();
    for (int n : new int[] {0, 1, 255, 256, 2047, 2048, 131071, 131072, 131073, 1 << 20, 1 << 30}) {
      assertEquals(Zstd.compressBound(n), z.maxCompressedLength(n), "n=" + n);
    }
    assertThrows(IllegalArgumentException.class, () -> z.maxCompressedLength(Integer.MAX_VALUE));
    assertThrows(IllegalArgumentException.class, () -> z.maxCompressedLength(-1));
    assertEquals(12345, NoneCodec.INSTANCE.maxCompressedLength(12345));
  }

  @Test
  void everyCodecSurvivesItsWorstCase() throws IOException {
    // Incompressible data right at the bound must fit in exactly maxCompressedLength bytes.
    for (Codec c : CODECS) {
      for (int n : new int[] {0, 1, 131072, 131073, 600_000}) {
        byte[] raw = random(n + 17, n);
        byte[] dst = new byte[c.maxCompressedLength(n)];
        int clen = c.compress(raw, 0, n, dst, 0);
        assertArrayEquals(raw, decompress(c, Arrays.copyOf(dst, clen), n));
      }
    }
  }
}
