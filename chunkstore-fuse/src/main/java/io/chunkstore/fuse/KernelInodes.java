package io.chunkstore.fuse;

import java.util.concurrent.atomic.AtomicLongArray;

/**
 * Which inodes the kernel holds now, as far as a small table remembers: an inode is entered
 * when a reply hands the kernel its entry and leaves at its FORGET. READDIRPLUS sends no
 * attributes for an inode the kernel holds (node id 0: "no entry information"), since every
 * change passes through this adapter and the kernel's copy is current; a walk right after an
 * untar then costs no inode reads.
 *
 * <p>Lossy on purpose, and wrong only in the safe direction: two inodes that share a slot push
 * each other out, and the one pushed out gets its attributes sent again. A FORGET that overtakes
 * the reply it follows leaves an inode entered that the kernel dropped; the kernel then looks the
 * name up when it needs it, one LOOKUP.
 */
final class KernelInodes {
  private static final int SLOTS = 1 << 16; // 512 KiB
  private final AtomicLongArray slots = new AtomicLongArray(SLOTS);

  /** The kernel has been handed {@code ino}'s entry. */
  void entered(long ino) {
    slots.lazySet(slot(ino), ino);
  }

  /** The kernel has forgotten {@code ino}. */
  void forgotten(long ino) {
    slots.compareAndSet(slot(ino), ino, 0);
  }

  /** True if the kernel holds {@code ino} (as far as the table remembers). */
  boolean holds(long ino) {
    return ino != 0 && slots.get(slot(ino)) == ino;
  }

  private static int slot(long ino) {
    long h = ino * 0x9e3779b97f4a7c15L; // inode numbers are dense: spread them
    return (int) (h >>> (64 - 16));
  }
}
