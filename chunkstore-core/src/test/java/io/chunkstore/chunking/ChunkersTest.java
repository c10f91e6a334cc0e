package io.chunkstore.chunking;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class ChunkersTest {
  @Test
  void defaultIsFastCdc16K64K256K() {
    Chunker c = Chunkers.defaultChunker();
    assertEquals(Chunkers.DEFAULT_SPEC, c.spec());
    assertSame(c, Chunkers.defaultChunker());
    FastCdcChunker f = assertInstanceOf(FastCdcChunker.class, c);
    assertEquals(16 << 10, f.minSize());
    assertEquals(64 << 10, f.avgSize());
    assertEquals(256 << 10, f.maxSize());
  }

  @Test
  void specsRoundTripToCanonicalForm() {
    String[][] cases = {
      {"fastcdc:16K:64K:256K", "fastcdc:16K:64K:256K"},
      {"fastcdc:16384:65536:262144", "fastcdc:16K:64K:256K"},
      {"FastCDC:16k:64k:256k", "fastcdc:16K:64K:256K"},
      {" fastcdc:1000:1024:1M ", "fastcdc:1000:1K:1M"},
      {"fastcdc:64:128:16M", "fastcdc:64:128:16M"},
      {"fastcdc:1536K:2M:3M", "fastcdc:1536K:2M:3M"},
      {"fixed:64K", "fixed:64K"},
      {"fixed:65536", "fixed:64K"},
      {"fixed:1048576", "fixed:1M"},
      {"fixed:100", "fixed:100"},
    };
    for (String[] c : cases) {
      Chunker parsed = Chunkers.parse(c[0]);
      assertEquals(c[1], parsed.spec(), c[0]);
      Chunker again = Chunkers.parse(parsed.spec());
      assertEquals(parsed, again);
      assertEquals(parsed.hashCode(), again.hashCode());
      assertEquals(parsed.spec(), again.spec());
    }
    assertNotEquals(Chunkers.parse("fixed:64K"), Chunkers.parse("fixed:128K"));
    assertNotEquals(Chunkers.parse("fastcdc:8K:64K:256K"), Chunkers.defaultChunker());
  }

  @Test
  void rejectsBadSpecsWithOneSentence() {
    String[] bad = {
      "", "   ", "rabin:16K:64K:256K", "fastcdc", "fastcdc:16K:64K", "fastcdc:16K:64K:256K:1M",
      "fastcdc:16K:48K:256K", // avg not a power of two
      "fastcdc:64K:64K:256K", // min == avg
      "fastcdc:128K:64K:256K", // min > avg
      "fastcdc:16K:256K:256K", // avg == max
      "fastcdc:16K:64K:32M", // max > 16M
      "fastcdc:32:64:256", // min < 64
      "fastcdc:16K:64K:256X", "fastcdc:16K:64K:", "fastcdc:-1:64K:256K", "fastcdc:1.5K:64K:256K",
      "fastcdc:16K:64K:99999999999", "fastcdc:16K:64K:4000000M", "fastcdc:K:64K:256K",
      "fixed", "fixed:", "fixed:10", "fixed:17M", "fixed:64K:1", "fixed:1G",
    };
    for (String spec : bad) {
      IllegalArgumentException e =
          assertThrows(IllegalArgumentException.class, () -> Chunkers.parse(spec), spec);
      String m = e.getMessage();
      // one style for every message: lower case (but for names), no full stop
      assertTrue(!m.endsWith(".") && m.indexOf(". ") < 0 && (Character.isLowerCase(m.charAt(0)) || m.startsWith("FastCDC")),
          spec + " -> " + m);
    }
    assertThrows(IllegalArgumentException.class, () -> Chunkers.parse(null));
  }
}
