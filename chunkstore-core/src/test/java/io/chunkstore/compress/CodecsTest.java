package io.chunkstore.compress;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import org.junit.jupiter.api.Test;

class CodecsTest {
  @Test
  void defaultIsZstd3() {
    assertEquals("zstd:3", Codecs.DEFAULT_SPEC);
    assertEquals(Codecs.DEFAULT_SPEC, Codecs.defaultCodec().spec());
    assertEquals(ZstdCodec.ID, Codecs.defaultCodec().id());
  }

  @Test
  void parsesSpecsToCanonicalForms() {
    String[][] cases = {
      {"zstd", "zstd:3"},
      {"zstd:3", "zstd:3"},
      {"ZSTD:1", "zstd:1"},
      {" zstd:19 ", "zstd:19"},
      {"zstd:22", "zstd:22"},
      {"zstd:-7", "zstd:-7"},
      {"zstd:0", "zstd:3"},
      {"none", "none"},
      {"None", "none"},
    };
    for (String[] c : cases) {
      Codec codec = Codecs.parse(c[0]);
      assertEquals(c[1], codec.spec(), c[0]);
      assertEquals(codec, Codecs.parse(codec.spec()));
    }
    assertSame(NoneCodec.INSTANCE, Codecs.parse("none"));
    assertEquals(19, assertInstanceOf(ZstdCodec.class, Codecs.parse("zstd:19")).level());
    assertEquals(NoneCodec.ID, Codecs.parse("none").id());
    assertEquals(ZstdCodec.ID, Codecs.parse("zstd:19").id());
  }

  @Test
  void rejectsBadSpecsWithOneSentence() {
    String[] bad = {
      "", "  ", "lz4", "zstd:", "zstd:x", "zstd:3.5", "zstd:23", "zstd:-1000000", "zstd:1:2",
      "none:1", "zstd3", "zstd:99999999999",
    };
    for (String spec : bad) {
      IllegalArgumentException e =
          assertThrows(IllegalArgumentException.class, () -> Codecs.parse(spec), spec);
      String m = e.getMessage();
      // one style for every message: lower case, no full stop
      assertTrue(!m.endsWith(".") && m.indexOf(". ") < 0 && Character.isLowerCase(m.charAt(0)), spec + " -> " + m);
    }
    assertThrows(IllegalArgumentException.class, () -> Codecs.parse(null));
  }

  @Test
  void findsReadersById() throws IOException {
    assertSame(NoneCodec.INSTANCE, Codecs.byId((byte) 0));
    assertEquals(ZstdCodec.ID, Codecs.byId((byte) 1).id());
    IOException e = assertThrows(IOException.class, () -> Codecs.byId((byte) 7));
    assertEquals("frame uses codec id 7, which this version does not know", e.getMessage());
    e = assertThrows(IOException.class, () -> Codecs.byId((byte) 0xff));
    assertEquals("frame uses codec id 255, which this version does not know", e.getMessage());
  }
}
