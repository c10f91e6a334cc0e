package io.chunkstore.gc;

import io.chunkstore.ChunkStore;
import io.chunkstore.backend.Backend;
import io.chunkstore.compress.Codec;
import io.chunkstore.compress.Codecs;
import io.chunkstore.fsck.Cancellation;
import io.chunkstore.fsck.Finding;
import io.chunkstore.fsck.Report;
import io.chunkstore.fsck.StructuralCheck;
import io.chunkstore.fsck.MaintenanceStore;
import io.chunkstore.fsck.PackAdoption;
import io.chunkstore.fsck.ProgressListener;
import io.chunkstore.fsck.Repair;
import io.chunkstore.hashing.Hasher;
import io.chunkstore.id.BlockId;
import io.chunkstore.id.PackId;
import io.chunkstore.index.Batch;
import io.chunkstore.index.BlockRecord;
import io.chunkstore.index.Counter;
import io.chunkstore.index.Index;
import io.chunkstore.index.PackRecord;
import io.chunkstore.internal.Internals;
import io.chunkstore.pack.CorruptPackException;
import io.chunkstore.pack.PackEntry;
import io.chunkstore.pack.PackManifest;
import io.chunkstore.pack.PreparedBlock;
import io.chunkstore.pack.SuperChunkReader;
import io.chunkstore.pack.SuperChunkWriter;
import io.chunkstore.StoreConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * Carries out a {@link GcPlan}. Every step is a transition of the pack life cycle committed in a
 * synced index batch before the backend changes, so a kill at any point leaves a store that checks
 * clean and loses nothing:
 *
 * <ol>
 *   <li>orphan packs are recorded (their blocks may be ones the index lost);
 *   <li>packs a killed gc retired are deleted, then their records;
 *   <li>dead blocks' entries are dropped;
 *   <li>live blocks of packs to rewrite are copied, verified, into new packs in staging; each new
 *       pack is uploaded, then one batch records it, points the moved blocks at it and retires
 *       the packs they came from; only then are those deleted;
 *   <li>packs with nothing live are retired and deleted the same way;
 *   <li>the index is backed up, so that the newest backup matches the packs.
 * </ol>
 */
public final class GcExecutor {
  /** Suffix of the packs gc writes in staging; the block layer's recovery leaves them alone. */
  static final String STAGING_SUFFIX = ".gc-pack";

  private final MaintenanceStore store;
  private final Index index;
  private final Backend backend;
  private final Hasher hasher;
  private final Codec codec;
  private final StoreConfig config;
  private final ProgressListener progress;
  private final Cancellation cancel;
  private final GcResult result = new GcResult();

  private final Writers writers;

  private GcExecutor(MaintenanceStore store, Writers writers, ProgressListener progress, Cancellation cancel) {
    this.store = store;
    this.writers = writers;
    this.index = store.index();
    this.backend = store.backend();
    this.hasher = store.hasher();
    this.codec = store.codec();
    this.config = store.directory().config();
    this.progress = progress;
    this.cancel = cancel;
  }

  /** What a gc did. */
  public static final class GcResult {
    long blocksDropped;
    long packsDeleted;
    long packsWritten;
    long bytesDeleted;
    long bytesWritten;

    /** Blocks whose entries were dropped. */
    public long blocksDropped() {
      return blocksDropped;
    }

    /** Packs deleted from the backend. */
    public long packsDeleted() {
      return packsDeleted;
    }

    /** New packs written by rewrites. */
    public long packsWritten() {
      return packsWritten;
    }

    /** Bytes freed in the backend: deleted less written. */
    public long bytesFreed() {
      return bytesDeleted - bytesWritten;
    }

    /** Bytes of new packs. */
    public long bytesWritten() {
      return bytesWritten;
    }
  }

  /**
   * Plans and runs a gc of the store at {@code root}, which must not be in use. The store is first
   * opened and closed once the ordinary way, so that a crashed writer's staging is recovered
   * before anything is planned.
   */
  public static GcResult run(Path root, double rewriteBelow, ProgressListener progress, Cancellation cancel)
      throws IOException {
    return run(root, rewriteBelow, GcPlanner.DEFAULT_MAX_UNUSED, progress, cancel);
  }

  /** As {@link #run(Path, double, ProgressListener, Cancellation)}, leaving at most {@code maxUnused} unused. */
  public static GcResult run(Path root, double rewriteBelow, double maxUnused, ProgressListener progress,
      Cancellation cancel) throws IOException {
    ChunkStore.open(root).close();
    try (MaintenanceStore store = MaintenanceStore.open(root)) {
      refuseDamagedStore(store, cancel);
      GcExecutor x = new GcExecutor(store, Writers.NONE, progress, cancel);
      x.removeOwnLeftovers();
      if (x.adoptOrphans(GcPlanner.plan(store, rewriteBelow, maxUnused))) {
        FaultPoints.reached("after-adopt");
      }
      x.execute(GcPlanner.plan(store, rewriteBelow, maxUnused));
      return x.result;
    }
  }

  /**
   * Runs a gc inside an open store while its writers go on: a mount's. Blocks gc drops are
   * condemned first, so no write deduplicates against them afterwards; a reader that looked up a
   * block before gc moved it finds it again in its new pack. The store's own check is not run
   * first (it is not a snapshot while writes go on): refcounts are trusted, as offline after a
   * clean check.
   */
  public static GcResult runOnline(ChunkStore open, double rewriteBelow, ProgressListener progress, Cancellation cancel)
      throws IOException {
    return runOnline(open, rewriteBelow, GcPlanner.DEFAULT_MAX_UNUSED, progress, cancel);
  }

  /** As {@link #runOnline(ChunkStore, double, ProgressListener, Cancellation)}, leaving at most {@code maxUnused} unused. */
  public static GcResult runOnline(ChunkStore open, double rewriteBelow, double maxUnused, ProgressListener progress,
      Cancellation cancel) throws IOException {
    Internals.maintenanceLock(open).lock(); // one gc at a time
    try {
      MaintenanceStore store = MaintenanceStore.of(open);
      GcExecutor x = new GcExecutor(store, Writers.of(Internals.blocks(open)), progress, cancel);
      x.removeOwnLeftovers();
      x.execute(GcPlanner.plan(store, rewriteBelow, maxUnused));
      return x.result;
    } finally {
      Internals.maintenanceLock(open).unlock();
    }
  }

  /**
   * gc trusts refcounts to tell garbage from data; a store whose check finds errors might have a
   * refcount too low, and gc would drop a block a file still needs. Orphan packs are the exception:
   * gc records them first.
   */
  private static void refuseDamagedStore(MaintenanceStore store, Cancellation cancel) throws IOException {
    Report check = StructuralCheck.run(store, ProgressListener.NONE, cancel);
    List<Finding> errors = check.errors().stream().filter(f -> f.kind() != Finding.Kind.ORPHAN_PACK).toList();
    if (!errors.isEmpty()) {
      throw new GcRefusedException("gc will not run on a store with errors (" + errors.size() + ", the first: "
          + errors.get(0).kind().name().toLowerCase(java.util.Locale.ROOT).replace('_', ' ') + " " + errors.get(0).subject()
          + "); run chunkstore-fsck " + store.root() + " --repair first");
    }
  }

  /**
   * Salvages packs that cannot be read whole (a damaged trailer, a cut-off end): every block the
   * index places there that still decodes and matches its hash is copied into a new pack, the
   * others are quarantined, and the damaged pack is retired and deleted. What {@code --repair} does
   * once the structural fixes are in.
   *
   * @return how many blocks were saved
   */
  public static long salvage(MaintenanceStore store, List<PackId> damaged, ProgressListener progress) throws IOException {
    GcExecutor x = new GcExecutor(store, Writers.NONE, progress, Cancellation.NEVER);
    x.removeOwnLeftovers();
    long saved = 0;
    try {
      for (PackId id : damaged) {
        PackRecord rec = store.index().pack(id).orElse(null);
        if (rec == null) {
          continue;
        }
        saved += x.copyReadableBlocks(id);
        x.consumed.add(new GcPlan.PackPlan(rec, 0, 0, List.of(), 0, GcPlan.Action.REWRITE));
      }
      if (!x.consumed.isEmpty()) {
        x.commitNewPack();
      }
    } finally {
      if (x.writer != null) {
        x.writer.close();
        x.writer = null;
      }
    }
    return saved;
  }

  /**
   * What {@code chunkstore-fsck --repair} does: the fixes the findings carry ({@link Repair}),
   * then the salvage of every pack that cannot be read whole, then the fixes again.
   */
  public static Report repair(MaintenanceStore store, Repair.Check check, ProgressListener progress) throws IOException {
    Report r = Repair.run(store, check.run(), check);
    List<PackId> damaged = r.findings().stream()
        .filter(f -> f.kind() == Finding.Kind.DAMAGED_PACK || f.kind() == Finding.Kind.PACK_SIZE_MISMATCH)
        .map(f -> PackId.fromHex(f.subject().substring("pack ".length()))).distinct().toList();
    if (damaged.isEmpty()) {
      return r;
    }
    r.figure("blocksSalvaged", salvage(store, damaged, progress));
    Report after = Repair.run(store, check.run(), check);
    r.absorb(after);
    r.replaceFindings(after);
    return r;
  }

  /** Blocks of damaged packs that fail to read: quarantined in the batch that retires their pack. */
  private final List<BlockId> unreadable = new ArrayList<>();

  private long copyReadableBlocks(PackId id) throws IOException {
    TreeMap<Long, List<PackEntry>> frames = new TreeMap<>();
    index.forEachBlock((bid, r) -> {
      if (r.pack().equals(id)) {
        frames.computeIfAbsent(r.frameOffset(), k -> new ArrayList<>())
            .add(new PackEntry(bid, r.frameOffset(), r.frameLength(), r.offsetInFrame(), r.length(), (byte) 0));
      }
    });
    ensureWriter();
    long saved = 0;
    for (Map.Entry<Long, List<PackEntry>> f : frames.entrySet()) {
      byte[] raw = null;
      try {
        raw = SuperChunkReader.readFrame(backend, id, f.getKey(), f.getValue().get(0).frameLength(), Codecs::byId);
      } catch (IOException damagedFrame) {
        // its blocks are quarantined below
      }
      for (PackEntry e : f.getValue()) {
        boolean good = raw != null && (long) e.offsetInFrame() + e.length() <= raw.length
            && hasher.hash(raw, e.offsetInFrame(), e.length()).equals(e.id());
        if (good) {
          writer.add(PreparedBlock.prepare(e.id(), raw, e.offsetInFrame(), e.length(), codec, config.frameSize()));
          saved++;
        } else {
          unreadable.add(e.id());
        }
      }
    }
    return saved;
  }

  private void ensureWriter() throws IOException {
    if (writer == null) {
      PackId newId = PackId.random();
      writerFile = store.directory().stagingDir().resolve(newId.hex() + STAGING_SUFFIX);
      writer = new SuperChunkWriter(newId, writerFile, codec, config.frameSize());
      store.directory().permissions().apply(writerFile);
    }
  }

  private void removeOwnLeftovers() throws IOException {
    Path staging = store.directory().stagingDir();
    try (Stream<Path> s = Files.list(staging)) {
      for (Path p : s.filter(f -> f.getFileName().toString().endsWith(STAGING_SUFFIX)).toList()) {
        Files.delete(p);
      }
    }
  }

  private boolean adoptOrphans(GcPlan plan) throws IOException {
    if (plan.orphanPacks().isEmpty()) {
      return false;
    }
    try (Batch b = index.batch()) {
      for (String key : plan.orphanPacks()) {
        PackManifest m;
        try {
          m = SuperChunkReader.readManifest(backend, PackId.fromHex(key));
        } catch (IOException damaged) {
          continue; // never delete what cannot be read: fsck reports it
        }
        PackAdoption.adopt(index, b, m, new HashSet<>());
      }
      index.write(b, true);
    }
    return true;
  }

  private void execute(GcPlan plan) throws IOException {
    long work = plan.bytesToRewrite() + plan.packs().size();
    progress.start("collecting garbage", work);
    try {
      for (PackRecord p : plan.retired()) {
        deletePack(p);
      }
      dropDead(plan.with(GcPlan.Action.KEEP));
      rewrite(plan.with(GcPlan.Action.REWRITE));
      for (GcPlan.PackPlan p : plan.with(GcPlan.Action.DELETE)) {
        cancel.check();
        if (retireAll(List.of(p), Map.of())) {
          FaultPoints.reached("after-retire");
          deletePack(p.pack());
        }
        progress.advance(1);
      }
    } finally {
      progress.done();
    }
    index.backupTo(store.directory().metaDir(), Internals.METADATA_BACKUPS_KEPT);
    store.directory().permissions().fix(store.directory().metaDir());
  }

  private void dropDead(List<GcPlan.PackPlan> kept) throws IOException {
    List<BlockId> dead = new ArrayList<>();
    Map<BlockId, PackId> where = new HashMap<>();
    for (GcPlan.PackPlan p : kept) {
      for (BlockId id : p.dead()) {
        dead.add(id);
        where.put(id, p.pack().id());
      }
      progress.advance(1);
    }
    if (dead.isEmpty() || !writers.condemn(dead)) {
      writers.release(dead);
      return;
    }
    try {
      writers.exclusively(() -> {
        try (Batch b = index.batch()) {
          for (BlockId id : dead) {
            dropIfDead(b, id, where.get(id));
          }
          index.write(b, true);
        }
        return null;
      });
    } finally {
      writers.release(dead);
    }
    FaultPoints.reached("after-drop");
  }

  /**
   * Drops the entry of a block that no file names, with its refcount and the counters, if it is
   * still where the plan found it. Returns false if it is still there but now referenced (a write
   * named it again since the plan, or has just stored it): its pack must stay.
   */
  private boolean dropIfDead(Batch b, BlockId id, PackId planned) {
    BlockRecord rec = index.block(id).orElse(null);
    if (rec == null || !rec.pack().equals(planned)) {
      return true; // gone, or stored again elsewhere: nothing of it is left in that pack
    }
    if (index.refCount(id) > 0 || writers.isUncommitted(id)) {
      return false;
    }
    b.deleteBlock(id);
    b.addCounter(Counter.UNIQUE_BLOCKS, -1);
    b.addCounter(Counter.UNIQUE_RAW_BYTES, -rec.length());
    result.blocksDropped++;
    return true;
  }

  /**
   * In one synced batch, with no writer's commit in between: points the blocks in {@code moved} at
   * their new pack, drops the dead blocks of {@code packs}, and retires each pack nothing points
   * into any more. A pack whose dead block was named again since the plan stays (the next gc
   * looks at it again).
   *
   * @return true if every pack was retired
   */
  private boolean retireAll(List<GcPlan.PackPlan> packs, Map<BlockId, BlockRecord> moved) throws IOException {
    List<BlockId> dead = new ArrayList<>();
    for (GcPlan.PackPlan p : packs) {
      for (BlockId id : p.dead()) {
        if (!moved.containsKey(id)) {
          dead.add(id);
        }
      }
    }
    boolean condemned = writers.condemn(dead);
    try {
      return writers.exclusively(() -> {
        boolean all = true;
        try (Batch b = index.batch()) {
          for (Map.Entry<BlockId, BlockRecord> e : moved.entrySet()) {
            b.putBlock(e.getKey(), e.getValue());
          }
          for (GcPlan.PackPlan p : packs) {
            boolean empty = condemned;
            for (BlockId id : p.dead()) {
              if (!moved.containsKey(id) && condemned && !dropIfDead(b, id, p.pack().id())) {
                empty = false;
              }
            }
            if (empty) {
              b.putPack(p.pack().withState(PackRecord.State.RETIRED));
              retired.add(p.pack().id());
            } else {
              all = false;
            }
          }
          afterMove.accept(b);
          index.write(b, true);
        }
        return all;
      });
    } finally {
      writers.release(dead);
    }
  }

  /** Consumed packs that could not be retired: a dead block of theirs was named again. */
  private final List<GcPlan.PackPlan> spared = new ArrayList<>();
  /** Packs retired by this run, to delete once their batch is durable. */
  private final Set<PackId> retired = new HashSet<>();
  /** What the batch that moves blocks also records (a new pack becoming stored). */
  private java.util.function.Consumer<Batch> afterMove = b -> {};

  /** Deletes a pack that no block points into, then its record. */
  private void deletePack(PackRecord p) throws IOException {
    backend.delete(p.id().hex());
    FaultPoints.reached("after-delete");
    try (Batch b = index.batch()) {
      b.deletePack(p.id());
      b.addCounter(Counter.PACKS, -1);
      b.addCounter(Counter.PACK_BYTES, -p.size());
      index.write(b, true);
    }
    result.packsDeleted++;
    result.bytesDeleted += p.size();
  }

  private void quarantineUnreadable(Batch b) {
    long raw = 0;
    int n = 0;
    for (BlockId id : unreadable) {
      BlockRecord rec = index.block(id).orElse(null);
      if (rec != null) {
        b.quarantineBlock(id);
        raw += rec.length();
        n++;
      }
    }
    b.addCounter(Counter.UNIQUE_BLOCKS, -n);
    b.addCounter(Counter.UNIQUE_RAW_BYTES, -raw);
    unreadable.clear();
  }

  // ---- rewriting

  private SuperChunkWriter writer;
  private Path writerFile;
  /** Source packs whose live blocks are all in the writer (or in packs already committed). */
  private final List<GcPlan.PackPlan> consumed = new ArrayList<>();

  /** How often gc copies a pack again whose dead blocks a writer named meanwhile (online only). */
  private static final int REWRITE_ATTEMPTS = 3;

  private void rewrite(List<GcPlan.PackPlan> packs) throws IOException {
    try {
      List<GcPlan.PackPlan> todo = packs;
      for (int attempt = 0; attempt < REWRITE_ATTEMPTS && !todo.isEmpty(); attempt++) {
        for (GcPlan.PackPlan p : todo) {
          cancel.check();
          // what is dead is decided now, not by the plan: online, a block may have died since
          List<BlockId> deadNow = copyLiveBlocks(p);
          consumed.add(new GcPlan.PackPlan(p.pack(), p.liveBytes(), p.liveBlocks(), deadNow, 0, p.action()));
          if (writer.size() >= config.packSize()) {
            commitNewPack();
          }
        }
        if (!consumed.isEmpty()) {
          commitNewPack();
        }
        // packs a write named a dead block of since they were copied: copy what is live now, again
        todo = List.copyOf(spared);
        spared.clear();
      }
    } finally {
      if (writer != null) {
        writer.close(); // unfinished: deleted
        writer = null;
      }
    }
  }

  /**
   * Copies the blocks of {@code p} that are live now into the new pack; returns the others whose
   * entries point into {@code p}: they are dropped, or spare the pack, when it is retired.
   */
  private List<BlockId> copyLiveBlocks(GcPlan.PackPlan p) throws IOException {
    PackId id = p.pack().id();
    TreeMap<Long, List<PackEntry>> frames = new TreeMap<>();
    List<BlockId> dead = new ArrayList<>();
    for (PackEntry e : SuperChunkReader.readManifest(backend, id).entries()) {
      BlockRecord rec = index.block(e.id()).orElse(null);
      if (rec == null || !rec.pack().equals(id) || rec.frameOffset() != e.frameOffset()) {
        continue;
      }
      if (index.refCount(e.id()) > 0) {
        frames.computeIfAbsent(e.frameOffset(), k -> new ArrayList<>()).add(e);
      } else {
        dead.add(e.id());
      }
    }
    ensureWriter();
    for (Map.Entry<Long, List<PackEntry>> f : frames.entrySet()) {
      int frameLength = f.getValue().get(0).frameLength();
      byte[] raw = SuperChunkReader.readFrame(backend, id, f.getKey(), frameLength, Codecs::byId);
      for (PackEntry e : f.getValue()) {
        if (!hasher.hash(raw, e.offsetInFrame(), e.length()).equals(e.id())) {
          // never copy damage into a new pack as if it were good: fsck --read-data --repair deals with it
          throw new CorruptPackException(id, f.getKey(), "block " + e.id().shortHex()
              + " does not match its hash; gc stops here (run chunkstore-fsck --read-data --repair)");
        }
        writer.add(PreparedBlock.prepare(e.id(), raw, e.offsetInFrame(), e.length(), codec, config.frameSize()));
      }
      progress.advance(frameLength);
    }
    return dead;
  }

  /**
   * Finishes the new pack, uploads it, and in one synced batch records it, points the blocks it
   * holds at it and retires the consumed source packs; then deletes those.
   */
  private void commitNewPack() throws IOException {
    SuperChunkWriter w = writer;
    writer = null;
    PackManifest m = w.finish();
    FaultPoints.reached("after-write");
    PackRecord sealed = new PackRecord(w.id(), m.size(), m.entries().size(), System.currentTimeMillis(),
        PackRecord.State.SEALED);
    try (Batch b = index.batch()) {
      // recorded before the upload, so that a kill after it leaves a pack the next gc knows to delete
      b.putPack(sealed);
      b.addCounter(Counter.PACKS, 1);
      b.addCounter(Counter.PACK_BYTES, m.size());
      index.write(b, true);
    }
    backend.put(w.id().hex(), writerFile);
    FaultPoints.reached("after-upload");
    Map<BlockId, BlockRecord> moved = new HashMap<>();
    for (PackEntry e : m.entries()) {
      moved.put(e.id(), new BlockRecord(w.id(), e.frameOffset(), e.frameLength(), e.offsetInFrame(), e.length()));
    }
    afterMove = b -> {
      b.putPack(sealed.withState(PackRecord.State.STORED));
      quarantineUnreadable(b);
    };
    retireAll(consumed, moved);
    afterMove = b -> {};
    result.packsWritten++;
    result.bytesWritten += m.size();
    FaultPoints.reached("after-commit");
    for (GcPlan.PackPlan p : consumed) {
      if (retired.contains(p.pack().id())) {
        deletePack(p.pack());
      } else {
        spared.add(p);
      }
    }
    consumed.clear();
    w.close();
  }
}
