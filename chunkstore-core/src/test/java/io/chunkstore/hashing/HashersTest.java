package io.chunkstore.hashing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.junit.jupiter.api.Test;

class HashersTest {
  @Test
  void findsEachHasherByItsPersistedName() {
    assertEquals(List.of("blake3", "sha256"), Hashers.names());
    for (String name : Hashers.names()) {
      assertEquals(name, Hashers.byName(name).name());
      assertSame(Hashers.byName(name), Hashers.byName(name));
    }
    assertEquals(Blake3Hasher.class, Hashers.byName("blake3").getClass());
    assertEquals(Sha256Hasher.class, Hashers.byName("sha256").getClass());
  }

  @Test
  void defaultIsBlake3() {
    assertSame(Hashers.byName("blake3"), Hashers.defaultHasher());
  }

  @Test
  void unknownNameIsRejectedWithTheKnownNames() {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> Hashers.byName("md5"));
    assertEquals("unknown hash 'md5'; known: blake3, sha256", e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> Hashers.byName("blake3-bc"),
        "the reference implementation is not a store setting");
    assertThrows(IllegalArgumentException.class, () -> Hashers.byName("BLAKE3"));
    assertThrows(IllegalArgumentException.class, () -> Hashers.byName(""));
  }
}
