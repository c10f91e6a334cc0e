package io.chunkstore.fuse;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class KernelInodesTest {
  @Test
  void anInodeIsHeldFromItsEntryUntilItsForget() {
    KernelInodes k = new KernelInodes();
    assertFalse(k.holds(42));
    k.entered(42);
    assertTrue(k.holds(42));
    k.forgotten(42);
    assertFalse(k.holds(42));
    assertFalse(k.holds(0), "node id 0 names nothing");
  }

  @Test
  void aForgetOfAnotherInodeInTheSameSlotLeavesTheHeldOneAlone() {
    KernelInodes k = new KernelInodes();
    for (long ino = 1; ino < 200_000; ino++) {
      k.entered(ino);
    }
    long held = 0;
    for (long ino = 1; ino < 200_000; ino++) {
      if (k.holds(ino)) {
        held++;
      }
    }
    // more inodes than slots: those pushed out read as not held (their attributes are sent again)
    assertTrue(held > 0 && held <= 1 << 16, "held " + held);
    for (long ino = 1; ino < 200_000; ino++) {
      if (!k.holds(ino)) {
        k.forgotten(ino); // forgetting an inode pushed out must not clear the slot's new owner
      }
    }
    long still = 0;
    for (long ino = 1; ino < 200_000; ino++) {
      if (k.holds(ino)) {
        still++;
      }
    }
    assertTrue(still == held, still + " of " + held);
  }
}
