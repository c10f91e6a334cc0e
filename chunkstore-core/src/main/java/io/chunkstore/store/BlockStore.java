package io.chunkstore.store;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
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

  private BlockStore(Index index, Backend backend, StoreConfig config, Path stagingDir, long cacheBytes, int threads) {
    this.index = index;
    this.backend = backend;
    this.config = config;
    this.stagingDir = stagingDir;
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
    BlockStore bs = new BlockStore(index, backend, config, stagingDir, cacheBytes, threads);
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

  /** True if the block is stored already, committed or not. Cheap enough for every chunk. */
  public boolean contains(BlockId id) {
    return uncommitted.containsKey(id) || index.block(id).isPresent();
  }

  /**
   * Adds a block to the open pack unless it is stored already. Its index entry is committed by the
   * next {@link #commit}, which must come before anything that references it is visible.
   *
   * @return true if the block was new
   */
  public synchronized boolean add(PreparedBlock block) throws IOException {
    ensureOpen();
    if (contains(block.id())) {
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
      // Write the shared frame early only if this batch needs one of its blocks: otherwise small
      // blocks of many files keep filling it and compress together.
      boolean needShared = sync;
      for (BlockId id : batch.referencedBlocks()) {
        if (needShared || writer.isBuffered(id)) {
          needShared = true;
          break;
        }
      }
      try {
        drain(writer, needShared);
        if (sync) {
          writer.force();
        }
      } catch (IOException | RuntimeException e) {
        writerFailed();
        throw e;
      }
    }
    deliver(batch);
    index.write(batch, sync);
    delivered();
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
    for (Drained d : undelivered) {
      PackEntry e = d.entry();
      batch.putBlock(e.id(), new BlockRecord(d.pack(), e.frameOffset(), e.frameLength(), e.offsetInFrame(), e.length()));
      raw += e.length();
    }
    batch.addCounter(Counter.UNIQUE_BLOCKS, undelivered.size());
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
    DecodedFrame frame = frame(rec);
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
        log.warn("block {} in unsealed pack {} is lost: {}", e.getKey().shortHex(), rec.pack(), ex.getMessage());
        continue;
      }
      if (writer == null) {
        startPack();
      }
      writer.add(prepare(e.getKey(), raw, raw.length));
      moved.add(e.getKey());
    }
    // Blocks were indexed once already: re-point them without counting them again.
    try (Batch batch = index.batch()) {
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
      log.warn("{} blocks of unsealed packs were lost in a crash; run chunkstore-fsck to find the files they hurt", lost);
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
