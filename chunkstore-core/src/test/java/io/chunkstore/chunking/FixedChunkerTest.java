package io.chunkstore.chunking;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class FixedChunkerTest {
  @Test
  void cutsFixedSizesAndAShorterLastChunk() {
    Chunker c = Chunkers.parse("fixed:1K");
    assertEquals(1024, c.minSize());
    assertEquals(1024, c.maxSize());
    assertArrayEquals(
        new int[] {1024, 2048, 3072, 3100},
        FastCdcChunkerTest.cutAll(c, TestBytes.random(1, 3100)));
    assertEquals(1, c.cut(new byte[10], 3, 1));
    assertEquals(1024, c.cut(new byte[5000], 100, 4900));
  }

  @Test
  void rejectsBadArguments() {
    Chunker c = new FixedChunker(64);
    assertThrows(IllegalArgumentException.class, () -> c.cut(new byte[10], 0, 0));
    assertThrows(IndexOutOfBoundsException.class, () -> c.cut(new byte[10], 5, 6));
    assertThrows(IllegalArgumentException.class, () -> new FixedChunker(63));
    assertThrows(IllegalArgumentException.class, () -> new FixedChunker((16 << 20) + 1));
  }
}
