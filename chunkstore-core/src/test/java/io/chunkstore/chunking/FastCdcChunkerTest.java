package io.chunkstore.chunking;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class FastCdcChunkerTest {
  private static final FastCdcChunker DEFAULT = (FastCdcChunker) Chunkers.defaultChunker();

  /** End offsets of the chunks of {@code data}, cut as a pipeline would cut it. */
  static int[] cutAll(Chunker c, byte[] data) {
    List<Integer> ends = new ArrayList<>();
    int off = 0;
    while (off < data.length) {
      int n = c.cut(data, off, data.length - off);
      assertTrue(n >= 1 && n <= Math.min(data.length - off, c.maxSize()), "cut length " + n);
      off += n;
      ends.add(off);
    }
    return ends.stream().mapToInt(Integer::intValue).toArray();
  }

  /**
   * The gear table is part of the on-disk format: if this fails, every chunk boundary of every
   * existing store moved. Do not update the expected values; add a new spec instead.
   */
  @Test
  void gearTableIsPinned() throws Exception {
    long[] g = FastCdcChunker.gear();
    assertEquals(256, g.length);
    assertEquals(0x03593d937d3d3df1L, g[0]);
    assertEquals(0x4bbf6b20c9e3b851L, g[1]);
    assertEquals(0x5510bcfbf7e317b9L, g[255]);
    ByteBuffer bb = ByteBuffer.allocate(256 * 8);
    for (long v : g) {
      bb.putLong(v);
    }
    String sha256 =
        HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bb.array()));
    assertEquals("9c372b335a90fdb5df60a89fda9adb95420b1980adbc8caadfddde7c50adb420", sha256);
  }

  /** Pins the cut points of seeded inputs: the chunk format must never change silently. */
  @Test
  void cutPointsArePinned() {
    assertArrayEquals(
        new int[] {
          10068, 16312, 29485, 38591, 46846, 55888, 66099, 77658, 82100, 85403, 95361, 108493,
          116851, 125714, 134090, 142790, 152883, 164613, 173608, 190978, 193525, 204886, 214125,
          224314, 231432, 242001, 251988, 257929, 262144
        },
        cutAll(Chunkers.parse("fastcdc:2K:8K:64K"), TestBytes.random(42, 256 << 10)));
    assertArrayEquals(
        new int[] {
          74498, 143000, 208958, 285016, 356868, 429818, 465429, 508697, 575479, 657229, 728514,
          797898, 870917, 913704, 981417, 1078002, 1172353, 1239643, 1290036, 1322128, 1418570,
          1485248, 1551661, 1616033, 1700433, 1770535, 1836113, 1903131, 2017609, 2041509, 2097152
        },
        cutAll(DEFAULT, TestBytes.random(7, 2 << 20)));
  }

  @Test
  void chunkLengthsStayWithinMinAndMaxExceptTheLast() {
    for (String spec : new String[] {"fastcdc:64:128:256", "fastcdc:2K:8K:64K", "fastcdc:16K:64K:256K"}) {
      Chunker c = Chunkers.parse(spec);
      byte[] data = TestBytes.random(spec.hashCode(), 4 << 20);
      int[] ends = cutAll(c, data);
      for (int k = 0; k < ends.length - 1; k++) {
        int len = ends[k] - (k == 0 ? 0 : ends[k - 1]);
        assertTrue(len >= c.minSize() && len <= c.maxSize(), spec + ": chunk " + k + " is " + len);
      }
      assertEquals(data.length, ends[ends.length - 1]);
    }
  }

  @Test
  void lowEntropyDataIsCutAtMaxSize() {
    // A constant input never matches the mask, so every chunk but the last is maxSize long.
    byte[] zeros = new byte[1 << 20];
    Chunker c = Chunkers.parse("fastcdc:4K:16K:64K");
    int[] ends = cutAll(c, zeros);
    assertEquals(16, ends.length);
    for (int k = 0; k < ends.length; k++) {
      assertEquals((k + 1) * 65536, ends[k]);
    }
  }

  @Test
  void averageChunkSizeOnRandomDataIsNearAvg() {
    for (String spec : new String[] {"fastcdc:2K:8K:64K", "fastcdc:16K:64K:256K", "fastcdc:256K:1M:4M"}) {
      FastCdcChunker c = (FastCdcChunker) Chunkers.parse(spec);
      byte[] data = TestBytes.random(spec.length(), c.avgSize() * 400);
      int[] ends = cutAll(c, data);
      double mean = (double) data.length / ends.length;
      assertTrue(
          Math.abs(mean - c.avgSize()) <= 0.25 * c.avgSize(),
          spec + ": mean chunk " + mean + " is not within 25% of " + c.avgSize());
    }
  }

  @Test
  void insertionNearTheStartLeavesMostChunksUnchanged() {
    byte[] original = TestBytes.random(1234, 8 << 20);
    for (int insertAt : new int[] {0, 100, 5000, 70_000}) {
      byte[] extra = TestBytes.random(insertAt, 37);
      byte[] edited = new byte[original.length + extra.length];
      System.arraycopy(original, 0, edited, 0, insertAt);
      System.arraycopy(extra, 0, edited, insertAt, extra.length);
      System.arraycopy(original, insertAt, edited, insertAt + extra.length, original.length - insertAt);

      Map<String, Integer> before = chunkDigests(DEFAULT, original);
      long shared = 0;
      int[] ends = cutAll(DEFAULT, edited);
      int start = 0;
      for (int end : ends) {
        if (before.containsKey(key(edited, start, end))) {
          shared += end - start;
        }
        start = end;
      }
      double fraction = (double) shared / edited.length;
      assertTrue(fraction > 0.90, "only " + fraction + " of the bytes kept their chunks");
    }
  }

  @Test
  void sameBytesGiveSameChunksWhateverPrecedesThem() {
    byte[] body = TestBytes.random(99, 3 << 20);
    byte[] prefixed = new byte[body.length + 1000];
    System.arraycopy(TestBytes.random(5, 1000), 0, prefixed, 0, 1000);
    System.arraycopy(body, 0, prefixed, 1000, body.length);
    // Cutting at the same absolute position gives the same length: the chunker has no state.
    int off = 0;
    while (off < body.length) {
      int a = DEFAULT.cut(body, off, body.length - off);
      int b = DEFAULT.cut(prefixed, 1000 + off, body.length - off);
      assertEquals(a, b);
      off += a;
    }
  }

  private static Map<String, Integer> chunkDigests(Chunker c, byte[] data) {
    Map<String, Integer> m = new HashMap<>();
    int start = 0;
    for (int end : cutAll(c, data)) {
      m.put(key(data, start, end), end - start);
      start = end;
    }
    return m;
  }

  private static String key(byte[] data, int start, int end) {
    try {
      MessageDigest md = MessageDigest.getInstance("SHA-256");
      md.update(data, start, end - start);
      return HexFormat.of().formatHex(md.digest());
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  @Test
  void fewerThanMaxBytesMeansEndOfInput() {
    FastCdcChunker c = (FastCdcChunker) Chunkers.parse("fastcdc:2K:8K:64K");
    byte[] data = TestBytes.random(3, 200_000);
    // Up to min bytes: the rest is one chunk.
    assertEquals(1, c.cut(data, 0, 1));
    assertEquals(2048, c.cut(data, 10, 2048));
    // A tail with no cut point in it becomes one chunk; with more input it stops at maxSize.
    byte[] zeros = new byte[200_000];
    assertEquals(50_000, c.cut(zeros, 0, 50_000));
    assertEquals(c.maxSize(), c.cut(zeros, 0, zeros.length));
    // Only the first maxSize bytes matter while more input follows.
    int full = c.cut(data, 0, data.length);
    assertEquals(full, c.cut(data, 0, c.maxSize()));
    assertEquals(full, c.cut(Arrays.copyOf(data, c.maxSize() + 1), 0, c.maxSize() + 1));
    // Knowing where the input ends never moves a cut that lies before the end.
    for (int len = full; len < full + 500; len++) {
      assertEquals(full, c.cut(data, 0, len));
    }
    // Cutting a buffer that ends before the cut point returns all of it.
    assertEquals(full - 1, c.cut(data, 0, full - 1));
  }

  @Test
  void rejectsBadArguments() {
    byte[] b = new byte[100];
    assertThrows(IllegalArgumentException.class, () -> DEFAULT.cut(b, 0, 0));
    assertThrows(IndexOutOfBoundsException.class, () -> DEFAULT.cut(b, 50, 51));
    assertThrows(IndexOutOfBoundsException.class, () -> DEFAULT.cut(b, -1, 10));
  }
}
