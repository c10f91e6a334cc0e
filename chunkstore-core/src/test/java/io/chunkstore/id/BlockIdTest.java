package io.chunkstore.id;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class BlockIdTest {
  @Test
  void hexRoundTripsAndEqualityFollowsBytes() {
    byte[] b = new byte[32];
    b[0] = (byte) 0xab;
    b[31] = 1;
    BlockId id = BlockId.wrap(b.clone());
    BlockId parsed = BlockId.fromHex(id.hex());
    assertEquals(id, parsed);
    assertEquals(id.hashCode(), parsed.hashCode());
    assertEquals("ab", id.hex().substring(0, 2));
    b[31] = 2;
    assertNotEquals(id, BlockId.wrap(b));
  }

  @Test
  void ordersAsUnsignedBytes() {
    byte[] lo = new byte[32];
    byte[] hi = new byte[32];
    hi[0] = (byte) 0x80; // negative as a signed byte, but larger unsigned
    assertTrue(BlockId.wrap(lo).compareTo(BlockId.wrap(hi)) < 0);
  }

  @Test
  void rejectsWrongLengths() {
    assertThrows(IllegalArgumentException.class, () -> BlockId.wrap(new byte[31]));
    assertThrows(IllegalArgumentException.class, () -> BlockId.fromHex("abcd"));
  }

  @Test
  void packIdsAreRandomAndRoundTrip() {
    PackId a = PackId.random();
    assertNotEquals(a, PackId.random());
    assertEquals(a, PackId.fromHex(a.hex()));
    assertEquals(32, a.hex().length());
  }
}
