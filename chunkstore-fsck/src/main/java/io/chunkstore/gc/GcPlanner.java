package io.chunkstore.gc;

import io.chunkstore.fsck.MaintenanceStore;
import io.chunkstore.id.BlockId;
import io.chunkstore.index.BlockRecord;
import io.chunkstore.index.Index;
import io.chunkstore.index.PackRecord;
import io.chunkstore.pack.PackEntry;
import io.chunkstore.pack.PackManifest;
import io.chunkstore.pack.SuperChunkReader;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Plans a gc from the index and the packs' trailers, pack by pack, so it holds one trailer at a
 * time. A block is live when its entry points at this copy and a file names it; a frame is live
 * when it holds a live block (a shared frame's bytes are freed only with all of its blocks).
 */
public final class GcPlanner {
  /**
   * The default live share under which a pack is rewritten: at one half, gc writes at most one
   * byte of live data for every byte it frees, and no pack stays more than half garbage.
   */
  public static final double DEFAULT_REWRITE_BELOW = 0.5;

  /**
   * The default share of unused bytes a store may keep after gc, as restic's {@code --max-unused}:
   * beyond the packs below {@link #DEFAULT_REWRITE_BELOW}, gc rewrites the packs with the most
   * dead bytes first until what stays unused is at most this share of the live bytes. Without it,
   * deleting one of two versions that share most blocks would leave every pack mostly live and
   * free nothing.
   */
  public static final double DEFAULT_MAX_UNUSED = 0.05;

  private GcPlanner() {}

  /** Plans a gc of {@code store} with the default share of unused bytes left. */
  public static GcPlan plan(MaintenanceStore store, double rewriteBelow) throws IOException {
    return plan(store, rewriteBelow, DEFAULT_MAX_UNUSED);
  }

  /**
   * Plans a gc of {@code store}: rewrites packs whose live share is below {@code rewriteBelow},
   * then more, most dead first, until the unused bytes left are at most {@code maxUnused} of the
   * live bytes (1 or more: none more).
   */
  public static GcPlan plan(MaintenanceStore store, double rewriteBelow, double maxUnused) throws IOException {
    Index index = store.index();
    List<PackRecord> records = new ArrayList<>();
    index.forEachPack(records::add);
    List<GcPlan.PackPlan> plans = new ArrayList<>();
    List<PackRecord> retired = new ArrayList<>();
    Set<String> recorded = new HashSet<>();
    for (PackRecord p : records) {
      recorded.add(p.id().hex());
      if (p.state() != PackRecord.State.STORED) {
        retired.add(p);
        continue;
      }
      PackManifest m;
      try {
        m = SuperChunkReader.readManifest(store.backend(), p.id());
      } catch (IOException damaged) {
        continue; // left alone: fsck reports it, and gc never deletes what it cannot read
      }
      plans.add(planPack(index, p, m, rewriteBelow));
    }
    plans = limitUnused(plans, maxUnused);
    List<String> orphans = new ArrayList<>();
    for (String key : store.backend().list("")) {
      if (!recorded.contains(key) && MaintenanceStore.packKey(key).isPresent()) {
        orphans.add(key);
      }
    }
    return new GcPlan(plans, retired, orphans, rewriteBelow);
  }

  private static List<GcPlan.PackPlan> limitUnused(List<GcPlan.PackPlan> plans, double maxUnused) {
    long live = 0;
    long unused = 0;
    List<GcPlan.PackPlan> candidates = new ArrayList<>();
    for (GcPlan.PackPlan p : plans) {
      if (p.action() == GcPlan.Action.DELETE) {
        continue;
      }
      live += p.liveBytes();
      if (p.action() == GcPlan.Action.KEEP && p.liveBytes() < p.pack().size()) {
        unused += p.pack().size() - p.liveBytes();
        candidates.add(p);
      }
    }
    candidates.sort(java.util.Comparator.comparingDouble(p -> (double) p.liveBytes() / p.pack().size()));
    Set<GcPlan.PackPlan> more = new HashSet<>();
    for (GcPlan.PackPlan p : candidates) {
      if (unused <= maxUnused * live) {
        break;
      }
      more.add(p);
      unused -= p.pack().size() - p.liveBytes();
    }
    if (more.isEmpty()) {
      return plans;
    }
    List<GcPlan.PackPlan> out = new ArrayList<>();
    for (GcPlan.PackPlan p : plans) {
      out.add(more.contains(p) ? new GcPlan.PackPlan(p.pack(), p.liveBytes(), p.liveBlocks(), p.dead(),
          p.deadRawBytes(), GcPlan.Action.REWRITE) : p);
    }
    return out;
  }

  static GcPlan.PackPlan planPack(Index index, PackRecord p, PackManifest m, double rewriteBelow) {
    Map<Long, Integer> frameLength = new HashMap<>();
    Set<Long> liveFrames = new HashSet<>();
    List<BlockId> dead = new ArrayList<>();
    long deadRaw = 0;
    int live = 0;
    for (PackEntry e : m.entries()) {
      frameLength.put(e.frameOffset(), e.frameLength());
      BlockRecord rec = index.block(e.id()).orElse(null);
      boolean here = rec != null && rec.pack().equals(p.id()) && rec.frameOffset() == e.frameOffset();
      if (!here) {
        continue; // a copy nothing points at
      }
      if (index.refCount(e.id()) > 0) {
        live++;
        liveFrames.add(e.frameOffset());
      } else {
        dead.add(e.id());
        deadRaw += e.length();
      }
    }
    long liveBytes = liveFrames.stream().mapToLong(frameLength::get).sum();
    GcPlan.Action action;
    if (live == 0) {
      action = GcPlan.Action.DELETE;
    } else if (liveBytes < rewriteBelow * p.size()) {
      action = GcPlan.Action.REWRITE;
    } else {
      action = GcPlan.Action.KEEP;
    }
    return new GcPlan.PackPlan(p, liveBytes, live, dead, deadRaw, action);
  }
}
