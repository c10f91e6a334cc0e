package io.chunkstore.store;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.chunkstore.StoreConfig;
import io.chunkstore.StorePermissions;
import io.chunkstore.backend.Backend;
import io.chunkstore.chunking.Chunker;
import io.chunkstore.chunking.Chunkers;
import io.chunkstore.compress.Codec;
import io.chunkstore.compress.Codecs;
import io.chunkstore.hashing.Hasher;
import io.chunkstore.hashing.Hashers;
import io.chunkstore.id.BlockId;
import io.chunkstore.id.PackId;
import io.chunkstore.index.Batch;
import io.chunkstore.index.BlockRecord;
import io.chunkstore.index.Counter;
import io.chunkstore.index.Index;
import io.chunkstore.index.PackRecord;
import io.chunkstore.pack.CorruptPackException;
import io.chunkstore.pack.PackEntry;
import io.chunkstore.pack.PackManifest;
import io.chunkstore.pack.PreparedBlock;
import io.chunkstore.pack.SuperChunkReader;
import io.chunkstore.pack.SuperChunkWriter;
import java.io.Closeable;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Blocks in, blocks out: the layer between the file tree and the packs.
 *
 * <p>Writing: new blocks go into one open super-chunk in {@code STORE/staging}. Their index
 * entries are committed together with the metadata that first references them, in the same
 * {@link #commit(Batch, boolean)}; entries point into the open pack, which readers find in
 * staging until it is sealed and handed to the backend. A killed process leaves the staging file
 * behind; {@link #open} moves the blocks the index knows into a fresh pack.
 *
 * <p>Reading: a block's frame is fetched with one range read, checked (frame CRC, then the block's
 * hash) and kept decompressed in a byte-bounded cache, so neighbouring small blocks of a shared
 * frame cost no more reads.
 *
 * <p>Thread-safe. Writes to the open pack and commits are serialized by one lock; hashing and
 * compression run in parallel in {@link #workers()}.
 */
public final class BlockStore implements Closeable {
  private static final Logger log = LoggerFactory.getLogger(BlockStore.class);
  private static final String STAGING_SUFFIX = ".pack";
  /** Set while a process has the store open; found at open, it means the last one crashed. */
  private static final String OPEN_MARK = "open";

  private final Index index;
  private final Backend backend;
  private final StoreConfig config;
  private final Path stagingDir;
  /** The modes of the store whose staging directory this is. */
  private final StorePermissions permissions;
  private final Hasher hasher;
  private final Chunker chunker;
  private final Codec codec;
  private final ExecutorService workers;
  private final int threads;
  private final Cache<FrameKey, DecodedFrame> frames;

  /** Blocks in the open pack whose index entries are not committed yet. */
  private final Map<BlockId, Boolean> uncommitted = new ConcurrentHashMap<>();
  /** Entries taken from pack writers but not yet in the index; guarded by this. */
  private final List<Drained> undelivered = new ArrayList<>();
  /** Blocks whose pack failed before their frames were written. */
  private final Set<BlockId> lost = ConcurrentHashMap.newKeySet();
  /** Packs written but not yet in the backend: read from staging. */
  private final Set<PackId> staged = ConcurrentHashMap.newKeySet();
  private SuperChunkWriter writer;
  private Path writerFile;
  private boolean closed;
  /** Finishes and uploads full packs while the next one fills. */
  private final ExecutorService sealer;
  /** Packs being finished and uploaded, oldest first; guarded by this. */
  private final java.util.ArrayDeque<java.util.concurrent.Future<?>> sealing = new java.util.ArrayDeque<>();
  private static final int MAX_SEALING = 2;

  private BlockStore(Index index, Backend backend, StoreConfig config, Path stagingDir,
      StorePermissions permissions, long cacheBytes, int threads) {
    this.index = index;
    this.backend = backend;
    this.config = config;
    this.stagingDir = stagingDir;
    this.permissions = permissions;
    this.hasher = Hashers.byName(config.hash());
    this.chunker = Chunkers.parse(config.chunker());
    this.codec = Codecs.parse(config.compression());
    this.threads = threads;
    AtomicInteger n = new AtomicInteger();
    this.workers = Executors.newFixedThreadPool(threads, r -> {
      Thread t = new Thread(r, "chunkstore-worker-" + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    });
    this.sealer = Executors.newSingleThreadExecutor(r -> {
      Thread t = new Thread(r, "chunkstore-sealer");
      t.setDaemon(true);
      return t;
    });
    this.frames = Caffeine.newBuilder()
        .maximumWeight(cacheBytes)
        .weigher((FrameKey k, DecodedFrame f) -> f.raw.length + 64)
        .executor(Runnable::run) // upkeep on the caller, not a wake-up of the common pool per change
        .build();
  }

  /**
   * Opens the block layer over {@code index} and {@code backend}, first recovering any pack left
   * in staging by a process that did not close the store.
   *
   * @param cacheBytes the budget of the decompressed-frame cache
   * @param threads how many threads hash and compress
   */
  public static BlockStore open(Index index, Backend backend, StoreConfig config, Path stagingDir,
      long cacheBytes, int threads) throws IOException {
    BlockStore bs = new BlockStore(index, backend, config, stagingDir, StorePermissions.of(stagingDir), cacheBytes,
        threads);
    boolean unclean = index.meta(OPEN_MARK).isPresent();
    bs.recoverStaging();
    if (unclean) {
      bs.recordUnlistedPacks();
    }
    try (Batch b = index.batch()) {
      b.putMeta(OPEN_MARK, new byte[] {1});
      index.write(b, true);
    }
    return bs;
  }

  /** The store's hash. */
  public Hasher hasher() {
    return hasher;
  }

  /** The store's chunker. */
  public Chunker chunker() {
    return chunker;
  }

  /** The pool that hashes and compresses. */
  ExecutorService workers() {
    return workers;
  }

  int threads() {
    return threads;
  }

  /** Prepares a hashed block for a pack: compresses it alone if it is big enough for its own frame. */
  PreparedBlock prepare(BlockId id, byte[] raw, int len) {
    return PreparedBlock.prepare(id, raw, 0, len, codec, config.frameSize());
  }

  /** True if the block is stored already, committed or not, and not condemned by gc. Cheap enough for every chunk. */
  public boolean contains(BlockId id) {
    return uncommitted.containsKey(id) || (!condemned.contains(id) && index.block(id).isPresent());
  }

  // ---- cooperation with an online gc
  //
  // A writer that finds a block stored already (a dedup hit) names it in a batch it commits later.
  // gc must not drop the block in between. So: gc first condemns the blocks it means to drop (from
  // then on a hit on one stores a fresh copy instead), then waits until every hit confirmed before
  // the condemnation has been committed, then drops, under this store's lock, those that are still
  // unreferenced and still where gc found them. A thread's confirmed hits become references in its
  // next commit: the fold or write that found them.

  /** Blocks gc is about to drop: not deduplicated against. */
  private final Set<BlockId> condemned = ConcurrentHashMap.newKeySet();
  /** Threads with confirmed hits not yet committed, and the gc generation of their first one. */
  private final Map<Thread, Long> hitsInFlight = new ConcurrentHashMap<>();
  private final java.util.concurrent.atomic.AtomicLong gcGeneration = new java.util.concurrent.atomic.AtomicLong();

  /**
   * Confirms a dedup hit on {@code id} for the calling thread's next commit. False if gc condemned
   * the block meanwhile: the caller must store its own copy.
   */
  public synchronized boolean confirmDuplicate(BlockId id) {
    // An uncommitted block counts too: its writer's commit may not be this thread's, and a seal
    // can index it at refcount 0 first.
    if (!uncommitted.containsKey(id) && (condemned.contains(id) || index.block(id).isEmpty())) {
      return false;
    }
    holdOffGcUntilCommit();
    return true;
  }

  /** The calling thread names a committed block in its next commit: gc waits for that commit. */
  private void holdOffGcUntilCommit() {
    hitsInFlight.putIfAbsent(Thread.currentThread(), gcGeneration.get());
  }

  /**
   * The calling thread gives up the commit its confirmed hits wait for (its fold failed, and the
   * writes are staged again for another fold, which confirms them anew): gc need not wait for it.
   * A fold thread that dies idle would otherwise hold every later gc off for good.
   */
  public void abandonHits() {
    hitsInFlight.remove(Thread.currentThread());
  }

  /**
   * Condemns {@code ids} and waits until every hit confirmed before now is committed, or until
   * {@code maxWaitMillis} passed.
   *
   * @return false if the wait timed out (some writer's hit is still in flight)
   */
  public boolean condemn(java.util.Collection<BlockId> ids, long maxWaitMillis) throws IOException {
    long g;
    synchronized (this) {
      condemned.addAll(ids);
      g = gcGeneration.incrementAndGet();
    }
    long deadline = System.currentTimeMillis() + maxWaitMillis;
    while (hitsInFlight.values().stream().anyMatch(v -> v < g)) {
      if (System.currentTimeMillis() > deadline) {
        return false;
      }
      try {
        Thread.sleep(5);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new java.io.InterruptedIOException("interrupted while waiting for writers");
      }
    }
    return true;
  }

  /** Lifts the condemnation of {@code ids} (dropped, or spared). */
  public void release(java.util.Collection<BlockId> ids) {
    condemned.removeAll(ids);
  }

  /**
   * Runs {@code change} with no commit in between: what gc's last check and its batch need, so
   * that no refcount or block entry changes between the two.
   */
  public synchronized <T> T exclusively(java.util.concurrent.Callable<T> change) throws IOException {
    try {
      return change.call();
    } catch (IOException | RuntimeException e) {
      throw e;
    } catch (Exception e) {
      throw new IOException(e);
    }
  }

  /** True if the block was added to the open pack and its entry is not committed yet. */
  public boolean isUncommitted(BlockId id) {
    return uncommitted.containsKey(id);
  }

  /**
   * Adds a block to the open pack unless it is stored already. Either way the calling thread's
   * next commit counts as naming it, as after {@link #confirmDuplicate}: gc waits for that commit.
   * Its index entry is committed by the next {@link #commit}, which must come before anything
   * that references it is visible.
   *
   * @return true if the block was new
   */
  public synchronized boolean add(PreparedBlock block) throws IOException {
    ensureOpen();
    if (contains(block.id())) {
      // Stored meanwhile (say gc spared the block it had condemned when the caller looked, or
      // another writer added it): the caller's extent now names it, a dedup hit that gc must wait
      // for like any confirmed one, or its next run drops the block before the extent is committed.
      holdOffGcUntilCommit();
      return false;
    }
    if (writer == null) {
      startPack();
    }
    try {
      writer.add(block);
    } catch (IOException | RuntimeException e) {
      writerFailed();
      throw e;
    }
    uncommitted.put(block.id(), Boolean.TRUE);
    lost.remove(block.id());
    // Another commit, or this pack's seal, may put the block into the index before the caller's
    // own commit names it: at refcount 0 it would look dead to a gc meanwhile.
    holdOffGcUntilCommit();
    if (writer.size() >= config.packSize()) {
      seal();
    }
    return true;
  }

  /**
   * Applies {@code batch} to the index together with the entries of every block added so far, so
   * that whatever the batch references is findable. With {@code sync}, the open pack and the index
   * are forced to disk first: when this returns, the change survives a crash of the machine.
   *
   * <p>If this fails, nothing of the batch is applied, and block entries already taken from the
   * pack writer are kept for the next commit.
   */
  public synchronized void commit(Batch batch, boolean sync) throws IOException {
    ensureOpen();
    for (BlockId id : batch.referencedBlocks()) {
      if (lost.contains(id)) {
        throw new IOException("block " + id.shortHex() + " was lost when writing its pack failed;"
            + " the data that needs it must be written again");
      }
    }
    if (sync) {
      awaitSealing(0); // a failed upload is reported before anything is taken from the writer
    }
    if (writer != null) {
      try {
        drain(writer, sync || needsSharedFrame(batch));
        if (sync) {
          writer.force();
        }
      } catch (IOException | RuntimeException e) {
        writerFailed();
        throw e;
      }
    }
    deliver(batch);
    try {
      index.write(batch, sync);
    } finally {
      hitsInFlight.remove(Thread.currentThread());
    }
    delivered();
  }

  /**
   * Writes the open shared frame if {@code batch} names one of its blocks, which {@link #commit}
   * would do: a caller that commits under a lock of its own calls this first, outside that lock,
   * so that the frame's compression does not hold it. The commit then has only the index write
   * left (or a frame begun meanwhile).
   */
  public synchronized void writeFramesFor(Batch batch) throws IOException {
    ensureOpen();
    if (writer != null && needsSharedFrame(batch)) {
      try {
        drain(writer, true);
      } catch (IOException | RuntimeException e) {
        writerFailed();
        throw e;
      }
    }
  }

  /**
   * True if a block {@code batch} names waits in the open shared frame. Only then is the frame
   * written early: otherwise small blocks of many files keep filling it and compress together.
   */
  private boolean needsSharedFrame(Batch batch) {
    for (BlockId id : batch.referencedBlocks()) {
      if (writer.isBuffered(id)) {
        return true;
      }
    }
    return false;
  }

  /** Seals the open pack now, even if it is small, and hands it to the backend. */
  public synchronized void sealOpenPack() throws IOException {
    ensureOpen();
    if (writer != null) {
      seal();
    }
    awaitSealing(0);
  }

  /** A block entry taken from a pack writer that the index does not have yet. */
  private record Drained(PackId pack, PackEntry entry) {}

  private void drain(SuperChunkWriter w, boolean flushShared) throws IOException {
    for (PackEntry e : w.drainEntries(flushShared)) {
      undelivered.add(new Drained(w.id(), e));
    }
  }

  /** Adds the undelivered block entries to {@code batch}. */
  private void deliver(Batch batch) {
    long raw = 0;
    int fresh = 0;
    for (Drained d : undelivered) {
      PackEntry e = d.entry();
      // a copy of a block gc has condemned replaces its entry: one block still, not two
      boolean replaces = index.block(e.id()).isPresent();
      batch.putBlock(e.id(), new BlockRecord(d.pack(), e.frameOffset(), e.frameLength(), e.offsetInFrame(), e.length()));
      if (!replaces) {
        raw += e.length();
        fresh++;
      }
    }
    batch.addCounter(Counter.UNIQUE_BLOCKS, fresh);
    batch.addCounter(Counter.UNIQUE_RAW_BYTES, raw);
  }

  /** The batch with the undelivered entries is in the index. */
  private void delivered() {
    for (Drained d : undelivered) {
      uncommitted.remove(d.entry().id());
    }
    undelivered.clear();
  }

  /**
   * The open pack's file failed. Its drained frames stay readable from staging (and recovery
   * moves them at the next open); blocks not yet drained are lost: dedup must not find them, and
   * a batch that references them must not commit.
   */
  private void writerFailed() {
    SuperChunkWriter w = writer;
    writer = null;
    java.util.Set<BlockId> drained = new java.util.HashSet<>();
    for (Drained d : undelivered) {
      drained.add(d.entry().id());
    }
    for (BlockId id : List.copyOf(uncommitted.keySet())) {
      if (!drained.contains(id)) {
        lost.add(id);
        uncommitted.remove(id);
      }
    }
    w.closeKeepingFile();
  }

  private void startPack() throws IOException {
    PackId id = PackId.random();
    writerFile = stagingDir.resolve(id.hex() + STAGING_SUFFIX);
    writer = new SuperChunkWriter(id, writerFile, codec, config.frameSize());
    permissions.apply(writerFile); // created under the umask; the pack's mode is the store's
    staged.add(id);
    // The index may soon point into this file: its name must survive a crash of the machine too.
    try (FileChannel dir = FileChannel.open(stagingDir, StandardOpenOption.READ)) {
      dir.force(true);
    }
  }

  /**
   * Retires the open pack: commits the entries of its last blocks (readable from staging), then
   * finishes and uploads it in the background while the next pack fills.
   */
  private void seal() throws IOException {
    SuperChunkWriter w = writer;
    Path file = writerFile;
    try {
      drain(w, true);
    } catch (IOException | RuntimeException e) {
      writerFailed();
      throw e;
    }
    writer = null;
    try (Batch batch = index.batch()) {
      deliver(batch);
      index.write(batch, false);
      delivered();
    } catch (RuntimeException e) {
      w.closeKeepingFile(); // its entries are still undelivered; recovery reads it from staging
      throw e;
    }
    sealing.add(sealer.submit(() -> {
      finishAndUpload(w, file);
      return null;
    }));
    awaitSealing(MAX_SEALING);
  }

  /**
   * Finishes a retired pack and puts it into the backend. On failure the file stays in staging,
   * where readers find its blocks and the next open recovers them: the index already points at it.
   */
  private void finishAndUpload(SuperChunkWriter w, Path file) throws IOException {
    boolean uploaded = false;
    try {
      PackManifest manifest = w.finish();
      backend.put(w.id().hex(), file);
      uploaded = true;
      try (Batch batch = index.batch()) {
        batch.putPack(new PackRecord(w.id(), manifest.size(), manifest.entries().size(), System.currentTimeMillis()));
        batch.addCounter(Counter.PACKS, 1);
        batch.addCounter(Counter.PACK_BYTES, manifest.size());
        index.write(batch, false);
      }
      staged.remove(w.id());
    } finally {
      if (!uploaded) {
        w.closeKeepingFile();
      }
    }
  }

  /** Waits until at most {@code limit} packs are still being finished; reports their failures. */
  private void awaitSealing(int limit) throws IOException {
    while (sealing.size() > limit) {
      try {
        sealing.poll().get();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new java.io.InterruptedIOException("interrupted while sealing a pack");
      } catch (java.util.concurrent.ExecutionException e) {
        Throwable c = e.getCause();
        throw c instanceof IOException io ? io : new IOException("sealing a pack failed: " + c, c);
      }
    }
  }

  // ---- reading

  /**
   * Copies {@code len} bytes of block {@code id}, starting at {@code blockOffset}, into
   * {@code dst} at {@code dstOff}.
   *
   * @throws CorruptPackException if the block's frame or hash does not check out
   * @throws IOException if the block is unknown or its pack cannot be read
   */
  public void read(BlockId id, int blockOffset, byte[] dst, int dstOff, int len) throws IOException {
    BlockRecord rec = index.block(id)
        .orElseThrow(() -> new IOException("block " + id.shortHex() + " is not in the index"));
    if (blockOffset < 0 || len < 0 || blockOffset + len > rec.length()) {
      throw new IOException("read of " + len + " bytes at " + blockOffset + " is outside block "
          + id.shortHex() + " of " + rec.length() + " bytes");
    }
    DecodedFrame frame;
    try {
      frame = frame(rec);
    } catch (NoSuchFileException gone) {
      // an online gc moved the block and deleted its old pack after this read looked it up
      BlockRecord now = index.block(id).orElseThrow(() -> gone);
      if (now.equals(rec)) {
        throw gone;
      }
      rec = now;
      frame = frame(rec);
    }
    if (!frame.verified.contains(rec.offsetInFrame())) {
      BlockId actual = hasher.hash(frame.raw, rec.offsetInFrame(), rec.length());
      if (!actual.equals(id)) {
        throw new CorruptPackException(rec.pack(), rec.frameOffset(),
            "block " + id.shortHex() + " does not match its hash");
      }
      frame.verified.add(rec.offsetInFrame());
    }
    System.arraycopy(frame.raw, rec.offsetInFrame() + blockOffset, dst, dstOff, len);
  }

  /** Starts loading a block's frame into the cache in the background, for read-ahead. */
  public void prefetch(BlockId id) {
    index.block(id).ifPresent(rec -> {
      FrameKey key = new FrameKey(rec.pack(), rec.frameOffset());
      if (frames.getIfPresent(key) == null) {
        workers.execute(() -> {
          try {
            frame(rec);
          } catch (IOException | RuntimeException e) {
            // the reader that needs it will load it again and report the error
          }
        });
      }
    });
  }

  private DecodedFrame frame(BlockRecord rec) throws IOException {
    try {
      return frames.get(new FrameKey(rec.pack(), rec.frameOffset()), k -> {
        try {
          return new DecodedFrame(loadFrame(rec));
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
      });
    } catch (UncheckedIOException e) {
      throw e.getCause();
    }
  }

  private byte[] loadFrame(BlockRecord rec) throws IOException {
    if (staged.contains(rec.pack())) {
      Path file = stagingDir.resolve(rec.pack().hex() + STAGING_SUFFIX);
      try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
        ByteBuffer buf = ByteBuffer.allocate(rec.frameLength());
        while (buf.hasRemaining()) {
          if (ch.read(buf, rec.frameOffset() + buf.position()) < 0) {
            throw new CorruptPackException(rec.pack(), rec.frameOffset(), "the unsealed pack ends inside this frame");
          }
        }
        return SuperChunkReader.decodeFrame(rec.pack(), rec.frameOffset(), buf.array(), 0, buf.capacity(), Codecs::byId);
      } catch (NoSuchFileException e) {
        // sealed meanwhile: it is in the backend now
      }
    }
    try {
      return SuperChunkReader.readFrame(backend, rec.pack(), rec.frameOffset(), rec.frameLength(), Codecs::byId);
    } catch (NoSuchFileException e) {
      throw new IOException("pack " + rec.pack().hex() + " is missing from the store (" + e.getFile()
          + "); the files with blocks in it cannot be read", e);
    }
  }

  // ---- crash recovery

  /**
   * Records packs that reached the backend but not the index: a crash between a background
   * seal's upload and its index write. Their trailers say what they hold.
   */
  private void recordUnlistedPacks() throws IOException {
    for (String key : backend.list("")) {
      PackId id;
      try {
        id = PackId.fromHex(key);
      } catch (IllegalArgumentException notAPack) {
        continue;
      }
      if (index.pack(id).isPresent()) {
        continue;
      }
      PackManifest m = SuperChunkReader.readManifest(backend, id);
      try (Batch b = index.batch()) {
        b.putPack(new PackRecord(id, m.size(), m.entries().size(), System.currentTimeMillis()));
        b.addCounter(Counter.PACKS, 1);
        b.addCounter(Counter.PACK_BYTES, m.size());
        index.write(b, false);
      }
      log.info("recorded pack {}, which a crash left out of the index", id);
    }
  }

  /**
   * Moves the blocks of packs left in staging by a killed process into a new pack. Only blocks the
   * index knows are kept; the others were never referenced by committed metadata.
   */
  private void recoverStaging() throws IOException {
    List<Path> leftovers;
    try (Stream<Path> s = Files.list(stagingDir)) {
      leftovers = s.filter(p -> p.getFileName().toString().endsWith(STAGING_SUFFIX)).toList();
    }
    if (leftovers.isEmpty()) {
      return;
    }
    Map<PackId, Path> byId = new HashMap<>();
    for (Path p : leftovers) {
      String name = p.getFileName().toString();
      try {
        PackId id = PackId.fromHex(name.substring(0, name.length() - STAGING_SUFFIX.length()));
        byId.put(id, p);
        staged.add(id);
      } catch (IllegalArgumentException e) {
        Files.delete(p);
      }
    }
    Map<BlockId, BlockRecord> toMove = new HashMap<>();
    index.forEachBlock((id, rec) -> {
      if (byId.containsKey(rec.pack())) {
        toMove.put(id, rec);
      }
    });
    int lost = 0;
    List<BlockId> moved = new ArrayList<>();
    Map<BlockId, BlockRecord> lostBlocks = new HashMap<>();
    for (Map.Entry<BlockId, BlockRecord> e : toMove.entrySet()) {
      BlockRecord rec = e.getValue();
      byte[] raw;
      try {
        byte[] frame = loadFrame(rec);
        raw = java.util.Arrays.copyOfRange(frame, rec.offsetInFrame(), rec.offsetInFrame() + rec.length());
        if (!hasher.hash(raw).equals(e.getKey())) {
          throw new CorruptPackException(rec.pack(), rec.frameOffset(), "block does not match its hash");
        }
      } catch (IOException ex) {
        lost++;
        lostBlocks.put(e.getKey(), rec);
        log.warn("block {} in unsealed pack {} is lost: {}", e.getKey().shortHex(), rec.pack(), ex.getMessage());
        continue;
      }
      if (writer == null) {
        startPack();
      }
      writer.add(prepare(e.getKey(), raw, raw.length));
      moved.add(e.getKey());
    }
    // Blocks were indexed once already: re-point them without counting them again. Lost ones
    // (their bytes never reached the disk: a power cut before the pack was forced) are
    // quarantined, so the next write of the same content stores them again instead of
    // deduplicating against nothing.
    try (Batch batch = index.batch()) {
      for (Map.Entry<BlockId, BlockRecord> e : lostBlocks.entrySet()) {
        batch.quarantineBlock(e.getKey());
        batch.addCounter(Counter.UNIQUE_BLOCKS, -1);
        batch.addCounter(Counter.UNIQUE_RAW_BYTES, -e.getValue().length());
      }
      if (writer != null) {
        SuperChunkWriter w = writer;
        for (PackEntry pe : w.drainEntries(true)) {
          batch.putBlock(pe.id(), new BlockRecord(w.id(), pe.frameOffset(), pe.frameLength(), pe.offsetInFrame(), pe.length()));
        }
        PackManifest manifest = w.finish();
        backend.put(w.id().hex(), writerFile);
        batch.putPack(new PackRecord(w.id(), manifest.size(), manifest.entries().size(), System.currentTimeMillis()));
        batch.addCounter(Counter.PACKS, 1);
        batch.addCounter(Counter.PACK_BYTES, manifest.size());
        w.close();
        staged.remove(w.id());
        writer = null;
      }
      index.write(batch, true);
    }
    for (Map.Entry<PackId, Path> e : byId.entrySet()) {
      Files.deleteIfExists(e.getValue());
      staged.remove(e.getKey());
    }
    if (lost > 0) {
      log.warn("{} blocks of unsealed packs were lost in a crash and are quarantined; run chunkstore-fsck to find the"
          + " files they hurt (writing the same content again heals them)", lost);
    }
    log.info("recovered {} blocks from {} unsealed packs", moved.size(), byId.size());
  }

  private void ensureOpen() throws IOException {
    if (closed) {
      throw new IOException("the store is closed");
    }
  }

  /** Seals the open pack, makes everything durable and stops the workers. */
  @Override
  public synchronized void close() throws IOException {
    if (closed) {
      return;
    }
    try {
      if (writer != null) {
        seal();
      }
      awaitSealing(0);
      try (Batch b = index.batch()) {
        b.deleteMeta(OPEN_MARK);
        index.write(b, true);
      }
    } finally {
      closed = true;
      workers.shutdownNow();
      // let running seals end on their own: interrupting one would close its pack file mid-write
      sealer.shutdown();
      try {
        sealer.awaitTermination(5, java.util.concurrent.TimeUnit.MINUTES);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      if (writer != null) {
        writer.closeKeepingFile();
        writer = null;
      }
    }
  }


  private record FrameKey(PackId pack, long offset) {}

  private static final class DecodedFrame {
    final byte[] raw;
    final Set<Integer> verified = ConcurrentHashMap.newKeySet();

    DecodedFrame(byte[] raw) {
      this.raw = raw;
    }
  }
}
