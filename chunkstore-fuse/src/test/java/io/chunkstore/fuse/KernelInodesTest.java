package io.chunkstore.fuse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class KernelInodesTest {
  private static final long SECOND = 1_000_000_000L;

  @Test
  void anInodeIsHeldFromItsEntryUntilItsForget() {
    KernelInodes k = KernelInodes.forTimeouts(60, 60);
    assertFalse(k.holds(42, 0));
    k.entered(42, 0);
    assertTrue(k.holds(42, SECOND));
    k.forgotten(42);
    assertFalse(k.holds(42, SECOND));
    assertFalse(k.holds(0, SECOND), "node id 0 names nothing");
  }

  @Test
  void anInodeIsHeldForHalfTheShorterTimeoutSoThatTheKernelsNamesAndAttributesAreRenewed() {
    KernelInodes k = KernelInodes.forTimeouts(60, 10);
    k.entered(42, 0);
    assertTrue(k.holds(42, 4 * SECOND));
    assertFalse(k.holds(42, 5 * SECOND), "half of attr_timeout=10 has passed: send the entry again");
    k.entered(42, 5 * SECOND);
    assertTrue(k.holds(42, 9 * SECOND));
  }

  @Test
  void withoutCachingNothingIsHeld() {
    KernelInodes k = KernelInodes.forTimeouts(60, 0); // -o attr_timeout=0
    k.entered(42, 0);
    assertFalse(k.holds(42, 0));
  }

  @Test
  void aForgetOfAnInodePushedOutOfItsSlotLeavesTheSlotsNewOwnerHeld() {
    KernelInodes k = KernelInodes.forTimeouts(60, 60);
    for (long ino = 1; ino < 200_000; ino++) {
      k.entered(ino, 0);
    }
    long held = count(k);
    // more inodes than slots: those pushed out read as not held (their attributes are sent again)
    assertTrue(held > 0 && held <= 1 << 16, "held " + held);
    for (long ino = 1; ino < 200_000; ino++) {
      if (!k.holds(ino, SECOND)) {
        k.forgotten(ino);
      }
    }
    assertEquals(held, count(k));
  }

  private static long count(KernelInodes k) {
    long held = 0;
    for (long ino = 1; ino < 200_000; ino++) {
      if (k.holds(ino, SECOND)) {
        held++;
      }
    }
    return held;
  }
}
