package io.chunkstore;

import io.chunkstore.backend.Backend;
import io.chunkstore.backend.Backends;
import io.chunkstore.backend.UploadBacklog;
import io.chunkstore.fs.DirectoryEntry;
import io.chunkstore.fs.FileTree;
import io.chunkstore.index.Counter;
import io.chunkstore.index.Index;
import io.chunkstore.internal.Internals;
import io.chunkstore.store.BlockStore;
import io.chunkstore.store.StoreDirectory;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.Channels;
import java.nio.channels.SeekableByteChannel;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Map;

/**
 * A deduplicating, compressing file store in a directory: the library API.
 *
 * <pre>{@code
 * try (ChunkStore store = ChunkStore.create(dir, StoreConfig.defaults())) {
 *   store.mkdirs("/docs");
 *   store.write("/docs/a.txt", new ByteArrayInputStream(bytes));
 *   try (InputStream in = store.newInputStream("/docs/a.txt")) { ... }
 * }
 * }</pre>
 *
 * <p>Files are cut into content-defined blocks; each distinct block is stored once, compressed,
 * in a super-chunk. A change is visible as soon as the call returns and durable after
 * {@link #sync()} or {@link #close()}; a crash before then loses at most the unsynced changes and
 * never leaves a file half old, half new. One process at a time may open a store.
 *
 * <p>Thread-safe.
 */
public final class ChunkStore implements Closeable {
  /**
   * How an opened store uses this machine.
   *
   * @param cacheBytes the budget of the decompressed block cache
   * @param threads threads that hash and compress
   * @param stagingBytes the budget of writes to open files held in memory before they are
   *     folded into blocks
   * @param backendOptions settings for the backend's provider, such as {@code sync_upload=true}
   *     (see {@link io.chunkstore.backend.BackendProvider#open})
   * @param fastCompression compress new blocks at the codec's fast level ({@link
   *     io.chunkstore.compress.Codec#faster()}) instead of the store's: what a mount does, so that
   *     writers do not wait for compression; gc rewrites packs at the store's level
   */
  public record Options(long cacheBytes, int threads, long stagingBytes, Map<String, String> backendOptions,
      boolean fastCompression) {
    public Options {
      backendOptions = Map.copyOf(backendOptions);
    }

    /** Options that compress at the store's level. */
    public Options(long cacheBytes, int threads, long stagingBytes, Map<String, String> backendOptions) {
      this(cacheBytes, threads, stagingBytes, backendOptions, false);
    }

    /** Options without backend settings. */
    public Options(long cacheBytes, int threads, long stagingBytes) {
      this(cacheBytes, threads, stagingBytes, Map.of());
    }

    /** These options with new blocks compressed at the codec's fast level, or not. */
    public Options withFastCompression(boolean fast) {
      return new Options(cacheBytes, threads, stagingBytes, backendOptions, fast);
    }

    /** 256 MiB of cache, a thread per core, 256 MiB of staged writes. */
    public static Options defaults() {
      return new Options(256L << 20, Math.max(1, Runtime.getRuntime().availableProcessors()), 256L << 20);
    }

    /** These options with other backend settings. */
    public Options withBackendOptions(Map<String, String> settings) {
      return new Options(cacheBytes, threads, stagingBytes, settings, fastCompression);
    }
  }

  private final StoreDirectory dir;
  private final Index index;
  private final Backend backend;
  private final BlockStore blocks;
  private final FileTree tree;

  private ChunkStore(StoreDirectory dir, Index index, Backend backend, BlockStore blocks, FileTree tree) {
    this.dir = dir;
    this.index = index;
    this.backend = backend;
    this.blocks = blocks;
    this.tree = tree;
  }

  /**
   * Creates a store in {@code directory}, which must not exist or be empty, and opens it. Only
   * its owner can read it.
   *
   * @throws io.chunkstore.StoreException if there is a store or other files there already,
   *     or a setting is invalid
   */
  public static ChunkStore create(Path directory, StoreConfig config) throws IOException {
    return create(directory, config, StorePermissions.ownerOnly(), "");
  }

  /**
   * Creates a store with the given permissions (private, or shared with a group), and opens it.
   *
   * @throws io.chunkstore.StoreException as {@link #create(Path, StoreConfig)}, or if the
   *     store cannot be given to the group
   */
  public static ChunkStore create(Path directory, StoreConfig config, StorePermissions permissions)
      throws IOException {
    return create(directory, config, permissions, "");
  }

  /** Creates a private store whose backend is at {@code backendLocation} (see below), and opens it. */
  public static ChunkStore create(Path directory, StoreConfig config, String backendLocation) throws IOException {
    return create(directory, config, StorePermissions.ownerOnly(), backendLocation);
  }

  /**
   * Creates a store whose backend is at {@code backendLocation} (for {@code tahoe}, the client
   * node's URL; empty for the local disk), with the given permissions, and opens it. If the
   * backend cannot be set up, nothing is left in {@code directory}.
   */
  public static ChunkStore create(Path directory, StoreConfig config, StorePermissions permissions,
      String backendLocation) throws IOException {
    boolean existed = java.nio.file.Files.exists(directory);
    StoreDirectory dir = StoreDirectory.create(directory, config, permissions);
    try {
      Backends.provider(dir.config().backend()).initialize(dir.root(), backendLocation);
    } catch (IOException | RuntimeException e) {
      closeAll(e, dir);
      StoreDirectory.removeNewStore(directory, existed);
      throw e;
    }
    return open(dir, Options.defaults());
  }

  /** Opens the store in {@code directory} with default options. */
  public static ChunkStore open(Path directory) throws IOException {
    return open(directory, Options.defaults());
  }

  /**
   * Opens the store in {@code directory}. If its files have become readable by users it is not
   * for, {@link #permissionWarning()} says so.
   *
   * @throws io.chunkstore.StoreException if it is not a store, has another format version,
   *     or another process has it open
   */
  public static ChunkStore open(Path directory, Options options) throws IOException {
    return open(StoreDirectory.open(directory), options);
  }

  private static ChunkStore open(StoreDirectory dir, Options options) throws IOException {
    Index index = null;
    Backend backend = null;
    BlockStore blocks = null;
    try {
      backend = Backends.provider(dir.config().backend()).open(dir.root(), options.backendOptions());
      boolean hadIndex = Index.exists(dir.indexDir());
      if (!hadIndex) {
        refuseLostIndex(dir, false, backend); // before opening: that would create an empty one
      }
      index = Index.open(dir.indexDir());
      dir.restrictIndexFiles(); // the files RocksDB has just made
      if (index.hasNoBlocks()) {
        refuseLostIndex(dir, true, backend);
      }
      StoreConfig config = dir.config();
      if (options.fastCompression()) {
        config = config.withCompression(io.chunkstore.compress.Codecs.parse(config.compression()).faster().spec());
      }
      blocks = BlockStore.open(index, backend, config, dir.stagingDir(), options.cacheBytes(), options.threads());
      FileTree tree = new FileTree(index, blocks, options.stagingBytes());
      tree.freeOrphans();
      return new ChunkStore(dir, index, backend, blocks, tree);
    } catch (IOException | RuntimeException e) {
      closeAll(e, blocks, backend, index, dir);
      throw e;
    }
  }

  /**
   * An index that is missing or holds no block while the backend has packs was lost, not empty:
   * starting on it would hide every file and let gc take the packs for garbage.
   */
  private static void refuseLostIndex(StoreDirectory dir, boolean hadIndex, Backend backend) throws IOException {
    long packs = backend.list("").stream().filter(ChunkStore::isPackKey).count();
    if (packs > 0) {
      throw new io.chunkstore.StoreException("the index of the store at " + dir.root()
          + (hadIndex ? " is empty" : " is missing") + " although " + packs + (packs == 1 ? " super-chunk is" : " super-chunks are") + " stored;"
          + " rebuild it with: chunkstore-fsck " + dir.root() + " --rebuild-index");
    }
  }

  private static boolean isPackKey(String key) {
    try {
      io.chunkstore.id.PackId.fromHex(key);
      return true;
    } catch (IllegalArgumentException e) {
      return false;
    }
  }

  /**
   * Backs the index up beside the packs (RocksDB's incremental BackupEngine), so that the packs
   * plus the newest backup are the whole store: {@code chunkstore-fsck --rebuild-index} starts from
   * it. A backend that is a {@link io.chunkstore.backend.MetadataMirror} gets a copy (the grid, for
   * {@code chunkstore restore}). {@link #close()} does this too; a mount calls it periodically.
   */
  public void backupMetadata() throws IOException {
    index.backupTo(dir.metaDir(), Internals.METADATA_BACKUPS_KEPT);
    dir.permissions().fix(dir.metaDir()); // BackupEngine's files are made with the process umask
    if (backend instanceof io.chunkstore.backend.MetadataMirror remote) {
      remote.mirrorMetadata(dir.root().resolve("chunkstore.json"), dir.metaDir()); // so the grid alone restores
    }
  }

  /**
   * Backs the index up every {@code interval} from now on, on a background thread, until the store
   * closes: what a mount does, so that a store mounted for weeks has a recent backup although it
   * never closes. A failed backup is logged and tried again at the next interval.
   */
  public synchronized void backupPeriodically(java.time.Duration interval) {
    if (interval.isZero() || interval.isNegative()) {
      throw new IllegalArgumentException("a backup interval must be positive, not " + interval);
    }
    if (backups != null) {
      backups.shutdownNow();
    }
    backups = java.util.concurrent.Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "chunkstore-metadata-backup");
      t.setDaemon(true);
      return t;
    });
    long ms = interval.toMillis();
    backups.scheduleWithFixedDelay(() -> {
      try {
        backupMetadata();
      } catch (IOException | RuntimeException e) {
        org.slf4j.LoggerFactory.getLogger(ChunkStore.class).warn("metadata backup failed (tried again in {}): {}",
            interval, e.getMessage());
      }
    }, ms, ms, java.util.concurrent.TimeUnit.MILLISECONDS);
  }

  private java.util.concurrent.ScheduledExecutorService backups;
  /** Run first thing when the store closes; maintenance adds to it through {@link Internals#onClose}. */
  private final List<Runnable> closeHooks = new java.util.concurrent.CopyOnWriteArrayList<>();

  /** The settings the store was created with. */
  public StoreConfig config() {
    return dir.config();
  }

  /** The store's directory. */
  public Path directory() {
    return dir.root();
  }

  /**
   * One sentence if, when it was opened, the store was open to users it is not for: which path
   * and the {@code chmod} that closes it.
   */
  public Optional<String> permissionWarning() {
    return dir.permissionWarning();
  }

  /** Writes a regular file from {@code in}, creating it or replacing the one at {@code path}. */
  public FileInfo write(String path, InputStream in) throws IOException {
    return write(path, in, Attributes.none());
  }

  /** Writes a regular file with the given permissions, owner and times. */
  public FileInfo write(String path, InputStream in, Attributes attrs) throws IOException {
    return FileInfo.of(path, tree.writeFile(path, in, attrs));
  }

  /**
   * Writes a regular file as part of a bulk import (what {@code chunkstore put} uses): like
   * {@link #write}, but the file becomes visible together with others at the next {@link #sync()},
   * {@link #flush()} or {@link #close()}, or once enough have gathered. The small blocks of many
   * files then share compressed frames, and the index is written once for all of them.
   */
  public FileInfo importFile(String path, InputStream in, Attributes attrs) throws IOException {
    return FileInfo.of(path, tree.importFile(path, in, attrs));
  }

  /** Reads the regular file at {@code path} from its start. */
  public InputStream newInputStream(String path) throws IOException {
    return Channels.newInputStream(tree.openRead(path));
  }

  /** Reads the regular file at {@code path} at any position. */
  public SeekableByteChannel newByteChannel(String path) throws IOException {
    return tree.openRead(path);
  }

  /** The entry at {@code path}. */
  public FileInfo stat(String path) throws IOException {
    return FileInfo.of(path, tree.stat(path));
  }

  /** True if something is at {@code path}. */
  public boolean exists(String path) throws IOException {
    try {
      tree.stat(path);
      return true;
    } catch (NoSuchFileException | java.nio.file.NotDirectoryException e) {
      return false;
    }
  }

  /** The entries of the directory at {@code path}, sorted by name. */
  public List<FileInfo> list(String path) throws IOException {
    String base = path.endsWith("/") ? path : path + "/";
    List<FileInfo> out = new ArrayList<>();
    for (DirectoryEntry e : tree.list(path)) {
      out.add(FileInfo.of(base + e.name(), tree.statInode(e.ino())));
    }
    return out;
  }

  /** Makes a directory; its parent must exist. */
  public FileInfo mkdir(String path) throws IOException {
    return FileInfo.of(path, tree.mkdir(path, Attributes.none()));
  }

  /** Makes a directory with the given attributes. */
  public FileInfo mkdir(String path, Attributes attrs) throws IOException {
    return FileInfo.of(path, tree.mkdir(path, attrs));
  }

  /** Makes a directory and its missing parents. */
  public FileInfo mkdirs(String path) throws IOException {
    return FileInfo.of(path, tree.mkdirs(path, Attributes.none()));
  }

  /** Makes a symbolic link at {@code path} pointing to {@code target}. */
  public FileInfo symlink(String path, String target) throws IOException {
    return FileInfo.of(path, tree.symlink(path, target, Attributes.none()));
  }

  /** Makes a symbolic link with the given owner and times. */
  public FileInfo symlink(String path, String target, Attributes attrs) throws IOException {
    return FileInfo.of(path, tree.symlink(path, target, attrs));
  }

  /** The target of the symlink at {@code path}. */
  public String readSymlink(String path) throws IOException {
    return tree.readSymlink(path);
  }

  /** Adds the name {@code newPath} to the file (not directory) at {@code existing}: a hard link. */
  public FileInfo link(String existing, String newPath) throws IOException {
    return FileInfo.of(newPath, tree.link(existing, newPath));
  }

  /**
   * Makes a FIFO, socket or device node at {@code path}.
   *
   * @param device the device number, for a character or block device
   * @throws IllegalArgumentException for a type that is not one of those four
   */
  public FileInfo makeNode(String path, FileInfo.Type type, long device, Attributes attrs) throws IOException {
    switch (type) {
      case FIFO, SOCKET, CHARACTER_DEVICE, BLOCK_DEVICE -> { }
      default -> throw new IllegalArgumentException("makeNode makes FIFOs, sockets and devices, not a " + type);
    }
    return FileInfo.of(path, tree.mknod(path, type.modeBits() | perms(attrs), device, attrs));
  }

  private static int perms(Attributes attrs) {
    return attrs.permissions() == Attributes.KEEP ? 0644 : attrs.permissions() & 07777;
  }

  /** Sets the extended attribute {@code name} (such as {@code user.comment}) of {@code path}. */
  public void setXattr(String path, String name, byte[] value) throws IOException {
    tree.setXattr(path, name, value, false, false);
  }

  /** The value of an extended attribute. */
  public byte[] xattr(String path, String name) throws IOException {
    return tree.getXattr(path, name);
  }

  /** The names of the extended attributes of {@code path}. */
  public List<String> xattrNames(String path) throws IOException {
    return tree.listXattrs(path);
  }

  /** Moves {@code from} to {@code to}, replacing a file or empty directory there. */
  public void rename(String from, String to) throws IOException {
    tree.rename(from, to);
  }

  /** Removes a file, symlink or empty directory. */
  public void delete(String path) throws IOException {
    tree.delete(path);
  }

  /**
   * Changes permissions, owner or times; {@link Attributes#KEEP} fields stay as they are. As with
   * chown(2), a new owner or group of a file clears its set-user-ID and set-group-ID bits unless
   * the same call sets the permissions.
   */
  public FileInfo setAttributes(String path, Attributes attrs) throws IOException {
    return FileInfo.of(path, tree.setAttributes(path, attrs));
  }

  /** How much the store holds and saves. */
  public StoreStats stats() {
    return new StoreStats(index.counter(Counter.LOGICAL_BYTES), index.counter(Counter.UNIQUE_RAW_BYTES),
        index.counter(Counter.PACK_BYTES), index.counter(Counter.UNIQUE_BLOCKS), index.counter(Counter.PACKS),
        index.counter(Counter.HOLE_BYTES));
  }

  /**
   * What the backend has accepted but not yet stored remotely ({@link UploadBacklog#NONE} for a
   * backend that stores every pack before it returns, such as local disk).
   */
  public UploadBacklog uploadBacklog() {
    return backend instanceof UploadBacklog.Source s ? s.uploadBacklog() : UploadBacklog.NONE;
  }

  /** Makes every change so far durable. */
  public void sync() throws IOException {
    tree.commitPending();
    try (io.chunkstore.index.Batch b = index.batch()) {
      blocks.commit(b, true);
    }
  }

  /**
   * Seals the open super-chunk, hands it to the backend and makes everything durable: what
   * {@link #close()} does, without closing. {@link #stats()} counts sealed packs only.
   */
  public void flush() throws IOException {
    tree.commitPending();
    blocks.sealOpenPack();
    sync();
  }

  private final java.util.concurrent.locks.ReentrantLock maintenanceLock = new java.util.concurrent.locks.ReentrantLock();

  // The parts below the API, for the project's own modules only: Internals is not exported to embedders.
  static {
    Internals.grant(s -> new Internals.Parts(s.dir, s.index, s.backend, s.blocks, s.tree, s.maintenanceLock, s.closeHooks));
  }

  /** Seals the open pack, makes everything durable and releases the store. */
  @Override
  public void close() throws IOException {
    for (Runnable hook : closeHooks) {
      hook.run();
    }
    synchronized (this) {
      if (backups != null) {
        backups.shutdownNow();
        try {
          backups.awaitTermination(1, java.util.concurrent.TimeUnit.MINUTES); // a running one finishes
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
        backups = null;
      }
    }
    IOException first = null;
    try {
      tree.stopDeferredCommits();
      tree.commitPending();
      blocks.close();
    } catch (IOException e) {
      first = e;
    }
    if (first == null) {
      try {
        backupMetadata();
      } catch (IOException | RuntimeException e) {
        // the store itself is whole; only the safety net is older than it could be
        org.slf4j.LoggerFactory.getLogger(ChunkStore.class).warn("{}", e.getMessage());
      }
    }
    closeAll(first, backend, index, dir);
    if (first != null) {
      throw first;
    }
  }

  private static void closeAll(Exception primary, AutoCloseable... resources) {
    for (AutoCloseable r : resources) {
      if (r == null) {
        continue;
      }
      try {
        r.close();
      } catch (Exception e) {
        if (primary != null && primary != e) {
          primary.addSuppressed(e);
        }
      }
    }
  }
}
