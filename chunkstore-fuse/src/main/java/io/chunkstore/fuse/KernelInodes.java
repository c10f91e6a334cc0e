package io.chunkstore.fuse;

import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * Which inodes the kernel holds now with a name and attributes that are still valid, as far as
 * a small table remembers: an inode is entered when a reply hands the kernel its entry, and it
 * counts as held for half the shorter of the entry and attribute timeouts, or until its FORGET.
 * READDIRPLUS sends no attributes for a held inode (node id 0: "no entry information"), since
 * every change passes through this adapter and the kernel's copy is current; a walk right after
 * an untar then costs no inode reads. Past that time READDIRPLUS sends the entry again, which
 * renews the kernel's timeouts: otherwise every name would cost a LOOKUP once they ran out.
 *
 * <p>Lossy on purpose, and wrong only in the safe direction: two inodes that share a slot push
 * each other out, and the one pushed out gets its attributes sent again. A FORGET that overtakes
 * the reply it follows leaves an inode entered that the kernel dropped; the kernel then looks the
 * name up when it needs it, one LOOKUP.
 */
final class KernelInodes {
  private static final int SLOT_BITS = 16;

  private record Held(long ino, long untilNanos) {}

  private final AtomicReferenceArray<Held> slots = new AtomicReferenceArray<>(1 << SLOT_BITS);
  private final long holdNanos;

  /** Inodes count as held for {@code holdNanos} after their entry; 0 or less: never. */
  KernelInodes(long holdNanos) {
    this.holdNanos = holdNanos;
  }

  /** For the kernel's entry and attribute timeouts, in seconds. */
  static KernelInodes forTimeouts(double entrySeconds, double attrSeconds) {
    return new KernelInodes((long) (Math.min(entrySeconds, attrSeconds) * 1e9 / 2));
  }

  /** The kernel has been handed {@code ino}'s entry at {@code nowNanos} ({@link System#nanoTime}). */
  void entered(long ino, long nowNanos) {
    if (holdNanos > 0) {
      slots.lazySet(slot(ino), new Held(ino, nowNanos + holdNanos));
    }
  }

  /** The kernel has forgotten {@code ino}. */
  void forgotten(long ino) {
    int s = slot(ino);
    Held h = slots.get(s);
    if (h != null && h.ino == ino) {
      slots.compareAndSet(s, h, null);
    }
  }

  /** True if the kernel holds {@code ino} with a name and attributes still valid at {@code nowNanos}. */
  boolean holds(long ino, long nowNanos) {
    Held h = slots.get(slot(ino));
    return h != null && h.ino == ino && nowNanos - h.untilNanos < 0;
  }

  private static int slot(long ino) {
    long h = ino * 0x9e3779b97f4a7c15L; // inode numbers are dense: spread them
    return (int) (h >>> (64 - SLOT_BITS));
  }
}
