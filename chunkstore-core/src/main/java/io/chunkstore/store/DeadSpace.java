package io.chunkstore.store;

import io.chunkstore.id.PackId;
import io.chunkstore.index.Index;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * The space in sealed packs that blocks no file uses any more (refcount 0) take up: what gc
 * would give back by dropping them and rewriting their packs.
 *
 * <p>A block's stored size is its frame's length when the frame holds it alone. A frame of
 * several small blocks compressed together is shared out by raw length: a frame whose blocks
 * are half dead by raw bytes counts half its length. Blocks of the open (unsealed) pack are left
 * out, as {@link io.chunkstore.StoreStats#storedBytes()} leaves them out.
 *
 * @param blocks how many indexed blocks in sealed packs have refcount 0
 * @param rawBytes their uncompressed length
 * @param storedBytes the bytes of pack they hold (always at most the packs' total size)
 * @param storedBytesByPack {@code storedBytes} per pack; packs without dead blocks are absent
 */
public record DeadSpace(long blocks, long rawBytes, long storedBytes, Map<PackId, Long> storedBytesByPack) {
  public DeadSpace {
    storedBytesByPack = Collections.unmodifiableMap(storedBytesByPack);
  }

  /** One frame of one pack. */
  private record Frame(PackId pack, long offset) {}

  /** What is known of a frame that holds at least one dead block. */
  private static final class FrameShare {
    final int length;
    long deadRaw;
    long totalRaw;

    FrameShare(int length) {
      this.length = length;
    }

    /** The part of the frame's length its dead blocks hold, rounded down. */
    long deadStored() {
      if (totalRaw <= 0 || deadRaw >= totalRaw) {
        return length;
      }
      return length * deadRaw / totalRaw;
    }
  }

  /**
   * Measures the dead space from the index: one pass over blocks and refcounts (one snapshot),
   * then, only if some frames hold dead blocks, one more over the blocks to learn those frames'
   * other blocks. Memory grows with the number of frames that hold a dead block, not with the
   * store.
   */
  public static DeadSpace measure(Index index) {
    Set<PackId> sealed = new HashSet<>();
    index.forEachPack(p -> sealed.add(p.id()));
    Map<Frame, FrameShare> frames = new HashMap<>();
    long[] counts = new long[2]; // blocks, raw bytes
    index.forEachBlockWithRefCount((id, rec, refs) -> {
      if (refs <= 0 && sealed.contains(rec.pack())) {
        counts[0]++;
        counts[1] += rec.length();
        frames.computeIfAbsent(new Frame(rec.pack(), rec.frameOffset()), f -> new FrameShare(rec.frameLength()))
            .deadRaw += rec.length();
      }
    });
    if (frames.isEmpty()) {
      return new DeadSpace(0, 0, 0, Map.of());
    }
    index.forEachBlock((id, rec) -> {
      FrameShare share = frames.get(new Frame(rec.pack(), rec.frameOffset()));
      if (share != null) {
        share.totalRaw += rec.length();
      }
    });
    Map<PackId, Long> byPack = new HashMap<>();
    long stored = 0;
    for (Map.Entry<Frame, FrameShare> e : frames.entrySet()) {
      long bytes = e.getValue().deadStored();
      stored += bytes;
      byPack.merge(e.getKey().pack(), bytes, Long::sum);
    }
    return new DeadSpace(counts[0], counts[1], stored, byPack);
  }
}
