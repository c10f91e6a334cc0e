package io.chunkstore.index;

import io.chunkstore.id.BlockId;
import io.chunkstore.id.PackId;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import org.rocksdb.BlockBasedTableConfig;
import org.rocksdb.BloomFilter;
import org.rocksdb.ColumnFamilyDescriptor;
import org.rocksdb.ColumnFamilyHandle;
import org.rocksdb.ColumnFamilyOptions;
import org.rocksdb.CompressionType;
import org.rocksdb.DBOptions;
import org.rocksdb.LRUCache;
import org.rocksdb.ReadOptions;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;
import org.rocksdb.Slice;
import org.rocksdb.UInt64AddOperator;
import org.rocksdb.WriteOptions;

/**
 * The store's metadata in RocksDB: where every block lives, how often it is referenced, the packs,
 * and the file tree (inodes, directory entries, extents, xattrs). The only class in the project
 * that talks to RocksDB.
 *
 * <p>Column families: {@code blocks} (BlockId → {@link BlockRecord}), {@code refs} (BlockId →
 * refcount, merged), {@code packs}, {@code inodes}, {@code dirents} ((parent, name) → entry),
 * {@code extents} ((ino, offset) → {@link Extent}), {@code xattrs}, {@code orphans} and
 * {@code meta} (settings and merged counters). Reads are thread-safe; changes go through
 * {@link Batch}es.
 */
public final class Index implements AutoCloseable {
  static {
    RocksDB.loadLibrary();
  }

  /**
   * For power-loss tests only: with this system property set to {@code true}, writes that are not
   * synced stay in this process (RocksDB's manual WAL flush) until the next synced write, so that
   * a {@code kill -9} loses them as a power cut loses what the kernel had not yet written.
   */
  public static final String UNSYNCED_WRITES_IN_MEMORY = "chunkstore.index.unsyncedWritesInMemory";

  private static final List<String> FAMILIES = List.of(
      "blocks", "refs", "packs", "inodes", "dirents", "extents", "xattrs", "orphans", "meta");

  private final RocksDB db;
  private final DBOptions dbOptions;
  private final List<ColumnFamilyOptions> cfOptions = new ArrayList<>();
  private final List<ColumnFamilyHandle> handles = new ArrayList<>();
  private final LRUCache blockCache;
  private final BloomFilter bloom;
  private final UInt64AddOperator addOperator;
  private final WriteOptions syncWrite = new WriteOptions().setSync(true);
  private final WriteOptions asyncWrite = new WriteOptions();
  /** Set in a {@linkplain #snapshot() snapshot view}: every read sees the index as of that moment. */
  private final org.rocksdb.Snapshot snapshot;
  private final ReadOptions snapshotRead;

  final ColumnFamilyHandle blocks;
  final ColumnFamilyHandle refs;
  final ColumnFamilyHandle packs;
  final ColumnFamilyHandle inodes;
  final ColumnFamilyHandle dirents;
  final ColumnFamilyHandle extents;
  final ColumnFamilyHandle xattrs;
  final ColumnFamilyHandle orphans;
  final ColumnFamilyHandle meta;

  /**
   * Inodes and directory entries as last read or written: a stat through FUSE resolves a path
   * component by component, and every lookup would otherwise be a JNI call into RocksDB. Every
   * write goes through {@link #write}, which drops the keys it touches, so the cache cannot go
   * stale (Caffeine makes an invalidation wait for a load of the same key in flight).
   */
  private final com.github.benmanes.caffeine.cache.Cache<ByteKey, Optional<byte[]>> treeCache =
      com.github.benmanes.caffeine.cache.Caffeine.newBuilder().maximumSize(200_000)
          .executor(Runnable::run).build(); // upkeep on the caller: no hand-off to another thread per write

  private record ByteKey(int cf, byte[] key) {
    @Override
    public boolean equals(Object o) {
      return o instanceof ByteKey k && k.cf == cf && Arrays.equals(k.key, key);
    }

    @Override
    public int hashCode() {
      return 31 * cf + Arrays.hashCode(key);
    }
  }

  private Index(Path dir, long cacheBytes) throws IOException {
    snapshot = null;
    snapshotRead = null;
    Files.createDirectories(dir);
    blockCache = new LRUCache(cacheBytes);
    bloom = new BloomFilter(10);
    addOperator = new UInt64AddOperator();
    dbOptions = new DBOptions()
        .setCreateIfMissing(true)
        .setCreateMissingColumnFamilies(true)
        .setMaxBackgroundJobs(2)
        .setKeepLogFileNum(3)
        // Replaying the WAL into memtables is enough; writing L0 files for every column family
        // on each open made a CLI call's start-up several times slower.
        .setAvoidFlushDuringRecovery(true)
        .setManualWalFlush(Boolean.getBoolean(UNSYNCED_WRITES_IN_MEMORY))
        .setInfoLogLevel(org.rocksdb.InfoLogLevel.WARN_LEVEL);
    List<ColumnFamilyDescriptor> descriptors = new ArrayList<>();
    descriptors.add(new ColumnFamilyDescriptor(RocksDB.DEFAULT_COLUMN_FAMILY, newCfOptions(false, false)));
    for (String name : FAMILIES) {
      boolean merged = name.equals("refs") || name.equals("meta");
      // Bloom filters pay off for point lookups of random ids; the tree is read by prefix scans.
      boolean pointLookups = name.equals("blocks") || name.equals("refs");
      descriptors.add(new ColumnFamilyDescriptor(name.getBytes(StandardCharsets.US_ASCII),
          newCfOptions(merged, pointLookups)));
    }
    try {
      db = RocksDB.open(dbOptions, dir.toString(), descriptors, handles);
    } catch (RocksDBException e) {
      closeOptions();
      throw new IOException("cannot open the index at " + dir + ": " + e.getMessage(), e);
    }
    blocks = handles.get(1);
    refs = handles.get(2);
    packs = handles.get(3);
    inodes = handles.get(4);
    dirents = handles.get(5);
    extents = handles.get(6);
    xattrs = handles.get(7);
    orphans = handles.get(8);
    meta = handles.get(9);
  }

  private Index(Index base, org.rocksdb.Snapshot snap) {
    db = base.db;
    dbOptions = base.dbOptions;
    handles.addAll(base.handles);
    blockCache = base.blockCache;
    bloom = base.bloom;
    addOperator = base.addOperator;
    blocks = base.blocks;
    refs = base.refs;
    packs = base.packs;
    inodes = base.inodes;
    dirents = base.dirents;
    extents = base.extents;
    xattrs = base.xattrs;
    orphans = base.orphans;
    meta = base.meta;
    snapshot = snap;
    snapshotRead = new ReadOptions().setSnapshot(snap);
  }

  /**
   * A read-only view of the index as it is now, while writes go on: what a check of an open
   * store (a mount's) reads, so that a change committed during the check cannot look like an
   * inconsistency. Close it to release the snapshot; the index itself stays open.
   */
  public Index snapshot() {
    if (snapshot != null) {
      throw new IllegalStateException("this is a snapshot already");
    }
    return new Index(this, db.getSnapshot());
  }

  private ColumnFamilyOptions newCfOptions(boolean merged, boolean bloomFilter) {
    BlockBasedTableConfig table = new BlockBasedTableConfig()
        .setBlockCache(blockCache)
        .setBlockSize(16 << 10)
        .setCacheIndexAndFilterBlocks(true)
        .setPinL0FilterAndIndexBlocksInCache(true);
    if (bloomFilter) {
      table.setFilterPolicy(bloom);
    }
    // zstd: the index is part of what a store costs on disk, and SST blocks are read rarely
    ColumnFamilyOptions o = new ColumnFamilyOptions()
        .setTableFormatConfig(table)
        .setCompressionType(CompressionType.ZSTD_COMPRESSION)
        .setBottommostCompressionType(CompressionType.ZSTD_COMPRESSION);
    if (merged) {
      o.setMergeOperator(addOperator);
    }
    cfOptions.add(o);
    return o;
  }

  /** True if {@code dir} holds an index (RocksDB's CURRENT file), so that opening it reads one. */
  public static boolean exists(Path dir) {
    return Files.isRegularFile(dir.resolve("CURRENT"));
  }

  /** Opens the index in {@code dir}, creating it if it does not exist. */
  public static Index open(Path dir) throws IOException {
    return new Index(dir, 64L << 20);
  }

  // ---- blocks, refs, packs

  /** Where {@code id} is stored, if it is indexed. */
  public Optional<BlockRecord> block(BlockId id) {
    byte[] v = get(blocks, id.toBytes());
    return v == null ? Optional.empty() : Optional.of(BlockRecord.decode(v));
  }

  /** The number of extents that reference {@code id}. */
  public long refCount(BlockId id) {
    byte[] v = get(refs, id.toBytes());
    return v == null ? 0 : Codec64.fromLittleEndian(v);
  }

  /** Calls {@code action} for every indexed block. */
  public void forEachBlock(BiConsumer<BlockId, BlockRecord> action) {
    scan(blocks, new byte[0], (k, v) -> action.accept(BlockId.wrap(k), BlockRecord.decode(v)));
  }

  /** Calls {@code action} for every block that has a refcount entry. */
  public void forEachRef(BiConsumer<BlockId, Long> action) {
    scan(refs, new byte[0], (k, v) -> action.accept(BlockId.wrap(k), Codec64.fromLittleEndian(v)));
  }

  /** True if no block is indexed. */
  public boolean hasNoBlocks() {
    try (PrefixIterator p = new PrefixIterator(blocks, new byte[0])) {
      p.it.seekToFirst();
      check(p.it);
      return !p.it.isValid();
    }
  }

  /** What {@link #forEachBlockWithRefCount} hands over for every block. */
  @FunctionalInterface
  public interface BlockWithRefCount {
    /** One indexed block, where it is stored and how many extents name it (0 if none). */
    void accept(BlockId id, BlockRecord record, long refCount);
  }

  /**
   * Calls {@code action} for every indexed block with its refcount, as of one moment: both
   * column families are read from one snapshot, side by side in key order, so a concurrent
   * write never shows a block with another moment's count. A block without a refcount entry
   * counts 0.
   */
  public void forEachBlockWithRefCount(BlockWithRefCount action) {
    org.rocksdb.Snapshot snapshot = db.getSnapshot();
    try (ReadOptions ro = new ReadOptions().setSnapshot(snapshot);
        RocksIterator b = db.newIterator(blocks, ro);
        RocksIterator r = db.newIterator(refs, ro)) {
      r.seekToFirst();
      for (b.seekToFirst(); b.isValid(); b.next()) {
        byte[] id = b.key();
        // both are ordered by RocksDB's bytewise comparator: unsigned lexicographic
        while (r.isValid() && Arrays.compareUnsigned(r.key(), id) < 0) {
          r.next();
        }
        long count = r.isValid() && Arrays.equals(r.key(), id) ? Codec64.fromLittleEndian(r.value()) : 0;
        action.accept(BlockId.wrap(id), BlockRecord.decode(b.value()), count);
      }
      check(b);
      check(r);
    } finally {
      db.releaseSnapshot(snapshot);
    }
  }

  /** A sealed pack, if it is indexed. */
  public Optional<PackRecord> pack(PackId id) {
    byte[] v = get(packs, id.toBytes());
    return v == null ? Optional.empty() : Optional.of(PackRecord.decode(id, v));
  }

  /** Calls {@code action} for every indexed pack. */
  public void forEachPack(Consumer<PackRecord> action) {
    scan(packs, new byte[0], (k, v) -> action.accept(PackRecord.decode(PackId.read(k, 0), v)));
  }

  // ---- the file tree

  /** The inode {@code ino}, if it exists. */
  public Optional<InodeRecord> inode(long ino) {
    return cachedGet(inodes, 0, Codec64.longKey(ino)).map(v -> InodeRecord.decode(ino, v));
  }

  /** Calls {@code action} for every inode. */
  public void forEachInode(Consumer<InodeRecord> action) {
    scan(inodes, new byte[0], (k, v) -> action.accept(InodeRecord.decode(Codec64.getLong(k, 0), v)));
  }

  /** The entry {@code name} of directory {@code parent}, if there is one. */
  public Optional<DirEntry> lookup(long parent, String name) {
    return cachedGet(dirents, 1, direntKey(parent, name)).map(v -> DirEntry.decode(name, v));
  }

  private Optional<byte[]> cachedGet(ColumnFamilyHandle cf, int cfTag, byte[] key) {
    if (snapshot != null) {
      return Optional.ofNullable(get(cf, key));
    }
    return treeCache.get(new ByteKey(cfTag, key), k -> Optional.ofNullable(get(cf, key)));
  }

  /** The entries of directory {@code parent}, in byte order of their names. */
  public List<DirEntry> list(long parent) {
    List<DirEntry> out = new ArrayList<>();
    byte[] prefix = Codec64.longKey(parent);
    scan(dirents, prefix, (k, v) -> out.add(DirEntry.decode(new String(k, 8, k.length - 8, StandardCharsets.UTF_8), v)));
    return out;
  }

  /** True if directory {@code parent} has no entries. */
  public boolean isEmptyDirectory(long parent) {
    byte[] prefix = Codec64.longKey(parent);
    try (PrefixIterator p = new PrefixIterator(dirents, prefix)) {
      RocksIterator it = p.it;
      it.seek(prefix);
      return !it.isValid();
    }
  }

  /** The extents of {@code ino} that overlap {@code [from, to)}, in offset order. */
  public List<Extent> extents(long ino, long from, long to) {
    List<Extent> out = new ArrayList<>();
    byte[] prefix = Codec64.longKey(ino);
    try (PrefixIterator p = new PrefixIterator(extents, prefix)) {
      RocksIterator it = p.it;
      // the extent covering 'from' may start before it
      it.seekForPrev(extentKey(ino, from));
      if (!it.isValid() || !startsWith(it.key(), prefix)) {
        it.seek(extentKey(ino, from));
      }
      for (; it.isValid(); it.next()) {
        byte[] k = it.key();
        if (!startsWith(k, prefix)) {
          break;
        }
        Extent e = Extent.decode(Codec64.getLong(k, 8), it.value());
        if (e.fileOffset() >= to) {
          break;
        }
        if (e.end() > from) {
          out.add(e);
        }
      }
      check(it);
    }
    return out;
  }

  /** Calls {@code action} for every extent of {@code ino}, in offset order. */
  public void forEachExtent(long ino, Consumer<Extent> action) {
    scan(extents, Codec64.longKey(ino), (k, v) -> action.accept(Extent.decode(Codec64.getLong(k, 8), v)));
  }

  /** Calls {@code action} for every extent of every file: (ino, extent). */
  public void forEachExtent(BiConsumer<Long, Extent> action) {
    scan(extents, new byte[0], (k, v) -> action.accept(Codec64.getLong(k, 0), Extent.decode(Codec64.getLong(k, 8), v)));
  }

  /** Calls {@code action} for every directory entry of every directory: (parent, entry). */
  public void forEachDirEntry(BiConsumer<Long, DirEntry> action) {
    scan(dirents, new byte[0], (k, v) -> action.accept(Codec64.getLong(k, 0),
        DirEntry.decode(new String(k, 8, k.length - 8, StandardCharsets.UTF_8), v)));
  }

  /** An extended attribute's value, if set. */
  public Optional<byte[]> xattr(long ino, String name) {
    return Optional.ofNullable(get(xattrs, direntKey(ino, name)));
  }

  /** The names of {@code ino}'s extended attributes. */
  public List<String> xattrNames(long ino) {
    List<String> out = new ArrayList<>();
    scan(xattrs, Codec64.longKey(ino), (k, v) -> out.add(new String(k, 8, k.length - 8, StandardCharsets.UTF_8)));
    return out;
  }

  /** Inodes marked as orphans: to be freed when the store is next opened for writing. */
  public List<Long> orphans() {
    List<Long> out = new ArrayList<>();
    scan(orphans, new byte[0], (k, v) -> out.add(Codec64.getLong(k, 0)));
    return out;
  }

  // ---- meta

  /** A metadata value, if set. */
  public Optional<byte[]> meta(String key) {
    return Optional.ofNullable(get(meta, key.getBytes(StandardCharsets.UTF_8)));
  }

  /** A running total. */
  public long counter(Counter c) {
    byte[] v = get(meta, c.key());
    return v == null ? 0 : Codec64.fromLittleEndian(v);
  }

  // ---- writing

  /** A new, empty batch; close it after {@link #write}. */
  public Batch batch() {
    return new Batch(this);
  }

  /**
   * Applies {@code batch} atomically. With {@code sync}, the write-ahead log is fsynced first, which
   * also makes every earlier write durable.
   */
  public void write(Batch batch, boolean sync) {
    if (snapshot != null) {
      throw new UnsupportedOperationException("a snapshot of the index is read-only");
    }
    try (org.rocksdb.WriteBatch wb = batch.toWriteBatch()) {
      db.write(sync ? syncWrite : asyncWrite, wb);
    } catch (RocksDBException e) {
      throw new IndexException("cannot write to the index", e);
    } finally {
      batch.forEachKey((cf, key) -> {
        if (cf == inodes) {
          treeCache.invalidate(new ByteKey(0, key));
        } else if (cf == dirents) {
          treeCache.invalidate(new ByteKey(1, key));
        }
      });
    }
  }

  /** Makes every write so far durable. */
  public void sync() {
    try {
      db.flushWal(true);
    } catch (RocksDBException e) {
      throw new IndexException("cannot sync the index", e);
    }
  }

  /**
   * Forgets every block location and every pack record, for a rebuild from the packs' trailers.
   * Refcounts and the file tree stay.
   */
  public void clearBlocksAndPacks() {
    try {
      for (ColumnFamilyHandle cf : List.of(blocks, packs)) {
        byte[] first = new byte[0];
        byte[] last = new byte[65];
        Arrays.fill(last, (byte) 0xff);
        db.deleteRange(cf, first, last);
      }
      try (org.rocksdb.FlushOptions fo = new org.rocksdb.FlushOptions().setWaitForFlush(true)) {
        db.flush(fo, List.of(blocks, packs));
      }
    } catch (RocksDBException e) {
      throw new IndexException("cannot clear the block and pack tables", e);
    }
  }

  // ---- backups

  /**
   * Backs the whole index up into {@code backupDir} with RocksDB's BackupEngine: incremental (SST
   * files already backed up are shared, not copied again) and checksummed. Keeps the newest
   * {@code keep} backups.
   */
  public void backupTo(Path backupDir, int keep) throws IOException {
    Files.createDirectories(backupDir);
    try (org.rocksdb.BackupEngineOptions bo = new org.rocksdb.BackupEngineOptions(backupDir.toString());
        org.rocksdb.BackupEngine be = org.rocksdb.BackupEngine.open(org.rocksdb.Env.getDefault(), bo)) {
      be.createNewBackup(db, true);
      be.purgeOldBackups(Math.max(1, keep));
    } catch (RocksDBException e) {
      throw new IOException("cannot back the index up into " + backupDir + ": " + e.getMessage(), e);
    }
  }

  /** When the newest backup in {@code backupDir} was taken, in epoch seconds, if there is one. */
  public static java.util.OptionalLong latestBackup(Path backupDir) throws IOException {
    if (!Files.isDirectory(backupDir.resolve("meta"))) {
      return java.util.OptionalLong.empty();
    }
    try (org.rocksdb.BackupEngineOptions bo = new org.rocksdb.BackupEngineOptions(backupDir.toString());
        org.rocksdb.BackupEngine be = org.rocksdb.BackupEngine.open(org.rocksdb.Env.getDefault(), bo)) {
      return be.getBackupInfo().stream().mapToLong(org.rocksdb.BackupInfo::timestamp).max();
    } catch (RocksDBException e) {
      throw new IOException("cannot read the index backups in " + backupDir + ": " + e.getMessage(), e);
    }
  }

  /**
   * Restores the newest backup in {@code backupDir} into {@code indexDir}, which must not hold an
   * index. RocksDB checks every file against the checksum it recorded at backup time as it copies.
   */
  public static void restoreLatest(Path backupDir, Path indexDir) throws IOException {
    if (exists(indexDir)) {
      throw new IOException(indexDir + " holds an index already; move it aside before restoring");
    }
    Files.createDirectories(indexDir);
    try (org.rocksdb.BackupEngineOptions bo = new org.rocksdb.BackupEngineOptions(backupDir.toString());
        org.rocksdb.BackupEngine be = org.rocksdb.BackupEngine.open(org.rocksdb.Env.getDefault(), bo);
        org.rocksdb.RestoreOptions ro = new org.rocksdb.RestoreOptions(false)) {
      int newest = be.getBackupInfo().stream().mapToInt(org.rocksdb.BackupInfo::backupId).max()
          .orElseThrow(() -> new IOException("there is no index backup in " + backupDir));
      be.restoreDbFromBackup(newest, indexDir.toString(), indexDir.toString(), ro);
    } catch (RocksDBException e) {
      throw new IOException("cannot restore the index backup from " + backupDir + ": " + e.getMessage(), e);
    }
  }

  @Override
  public void close() {
    if (snapshot != null) {
      db.releaseSnapshot(snapshot);
      snapshotRead.close();
      return;
    }
    // Flush the memtables so the WAL can go: otherwise every open adds its log to the store's size.
    try (org.rocksdb.FlushOptions fo = new org.rocksdb.FlushOptions().setWaitForFlush(true)) {
      db.flush(fo, handles);
    } catch (RocksDBException e) {
      try {
        db.syncWal();
      } catch (RocksDBException again) {
        // closing anyway: RocksDB replays its WAL on the next open
      }
    }
    for (ColumnFamilyHandle h : handles) {
      h.close();
    }
    db.close();
    syncWrite.close();
    asyncWrite.close();
    closeOptions();
  }

  private void closeOptions() {
    dbOptions.close();
    cfOptions.forEach(ColumnFamilyOptions::close);
    addOperator.close();
    bloom.close();
    blockCache.close();
  }

  // ---- helpers

  static byte[] direntKey(long parent, String name) {
    byte[] n = name.getBytes(StandardCharsets.UTF_8);
    byte[] k = new byte[8 + n.length];
    Codec64.putLong(k, 0, parent);
    System.arraycopy(n, 0, k, 8, n.length);
    return k;
  }

  static byte[] extentKey(long ino, long offset) {
    byte[] k = new byte[16];
    Codec64.putLong(k, 0, ino);
    Codec64.putLong(k, 8, offset);
    return k;
  }

  private byte[] get(ColumnFamilyHandle cf, byte[] key) {
    try {
      return snapshotRead == null ? db.get(cf, key) : db.get(cf, snapshotRead, key);
    } catch (RocksDBException e) {
      throw new IndexException("cannot read the index", e);
    }
  }

  /** An iterator confined to keys with one prefix; closes its native upper-bound slice too. */
  private final class PrefixIterator implements AutoCloseable {
    private final Slice upper;
    private final ReadOptions ro = new ReadOptions();
    final RocksIterator it;

    PrefixIterator(ColumnFamilyHandle cf, byte[] prefix) {
      byte[] bound = upperBound(prefix);
      upper = bound == null ? null : new Slice(bound);
      if (upper != null) {
        ro.setIterateUpperBound(upper);
      }
      if (snapshot != null) {
        ro.setSnapshot(snapshot);
      }
      it = db.newIterator(cf, ro);
    }

    @Override
    public void close() {
      it.close();
      ro.close();
      if (upper != null) {
        upper.close();
      }
    }
  }

  private void scan(ColumnFamilyHandle cf, byte[] prefix, BiConsumer<byte[], byte[]> action) {
    try (PrefixIterator p = new PrefixIterator(cf, prefix)) {
      RocksIterator it = p.it;
      for (it.seek(prefix); it.isValid(); it.next()) {
        byte[] k = it.key();
        if (!startsWith(k, prefix)) {
          break;
        }
        action.accept(k, it.value());
      }
      check(it);
    }
  }

  private static void check(RocksIterator it) {
    try {
      it.status();
    } catch (RocksDBException e) {
      throw new IndexException("cannot read the index", e);
    }
  }

  private static boolean startsWith(byte[] k, byte[] prefix) {
    return k.length >= prefix.length && Arrays.equals(k, 0, prefix.length, prefix, 0, prefix.length);
  }

  /** The smallest key greater than every key with this prefix, or null if there is none. */
  private static byte[] upperBound(byte[] prefix) {
    byte[] u = prefix.clone();
    for (int i = u.length - 1; i >= 0; i--) {
      if (u[i] != (byte) 0xff) {
        u[i]++;
        return Arrays.copyOf(u, i + 1);
      }
    }
    return null;
  }
}
