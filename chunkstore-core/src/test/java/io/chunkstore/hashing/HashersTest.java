package io.chunkstore.hashing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.junit.jupiter.api.Test;

class HashersTest {
  @Test
  void findsEachHasherByItsPersistedName() {
    assertEquals(List.of("sha256", "blake3"), Hashers.names());
    for (String name : Hashers.names()) {
      assertEquals(name, Hashers.byName(name).name());
      assertSame(Hashers.byName(name), Hashers.byName(name));
    }
    assertEquals(Blake3Hasher.class, Hashers.byName("blake3").getClass());
    assertEquals(Sha256Hasher.class, Hashers.byName("sha256").getClass());
  }

  @Test
  void defaultIsSha256() {
    assertSame(Hashers.byName("sha256"), Hashers.defaultHasher());
  }

  @Test
  void unknownNameIsRejectedWithTheKnownNames() {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> Hashers.byName("md5"));
    assertEquals("unknown hash 'md5'; known: sha256, blake3", e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> Hashers.byName("blake3-bc"),
        "the reference implementation is not a store setting");
    assertThrows(IllegalArgumentException.class, () -> Hashers.byName("BLAKE3"));
    assertThrows(IllegalArgumentException.class, () -> Hashers.byName(""));
  }
}
