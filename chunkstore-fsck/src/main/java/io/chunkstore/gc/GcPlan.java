package io.chunkstore.gc;

import io.chunkstore.id.BlockId;
import io.chunkstore.index.PackRecord;
import java.util.List;

/**
 * What a gc will do: for every pack, keep it, rewrite its live blocks into new packs, or delete it;
 * the blocks it drops; and what that frees.
 *
 * @param packs a plan for every stored pack
 * @param retired packs a killed gc retired, or sealed and did not commit; deleted first
 * @param orphanPacks packs in the backend that no record names; recorded first, then planned
 * @param rewriteBelow the live share under which a pack is rewritten
 */
public record GcPlan(List<PackPlan> packs, List<PackRecord> retired, List<String> orphanPacks, double rewriteBelow) {
  /** What happens to one pack. */
  public enum Action {
    /** Enough of it is live: it stays, only its dead blocks' entries go. */
    KEEP,
    /** Little of it is live: its live blocks move to new packs, then it is deleted. */
    REWRITE,
    /** Nothing in it is live: it is deleted. */
    DELETE
  }

  /**
   * One pack's plan.
   *
   * @param pack the pack
   * @param liveBytes bytes of frames that hold a live block
   * @param liveBlocks blocks that stay
   * @param dead blocks whose entries point here and that no file names: dropped
   * @param deadRawBytes their uncompressed size
   * @param action what happens to the pack
   */
  public record PackPlan(PackRecord pack, long liveBytes, int liveBlocks, List<BlockId> dead, long deadRawBytes,
      Action action) {
    /** Copies the list. */
    public PackPlan {
      dead = List.copyOf(dead);
    }
  }

  /** Copies the lists. */
  public GcPlan {
    packs = List.copyOf(packs);
    retired = List.copyOf(retired);
    orphanPacks = List.copyOf(orphanPacks);
  }

  /** Blocks dropped in all. */
  public long blocksToDrop() {
    return packs.stream().mapToLong(p -> p.dead().size()).sum();
  }

  /** Packs of one action. */
  public List<PackPlan> with(Action a) {
    return packs.stream().filter(p -> p.action() == a).toList();
  }

  /** Bytes the backend will hold less: deleted packs whole, rewritten ones less what moves. */
  public long bytesToFree() {
    long free = retired.stream().mapToLong(PackRecord::size).sum();
    for (PackPlan p : packs) {
      if (p.action() == Action.DELETE) {
        free += p.pack().size();
      } else if (p.action() == Action.REWRITE) {
        free += p.pack().size() - p.liveBytes();
      }
    }
    return free;
  }

  /** Bytes of live blocks that move into new packs. */
  public long bytesToRewrite() {
    return with(Action.REWRITE).stream().mapToLong(PackPlan::liveBytes).sum();
  }

  /** True if gc has nothing to do. */
  public boolean isEmpty() {
    return retired.isEmpty() && orphanPacks.isEmpty() && packs.stream().allMatch(p -> p.action() == Action.KEEP && p.dead().isEmpty());
  }
}
