package io.chunkstore;

import io.chunkstore.backend.Backend;
import io.chunkstore.backend.LocalDiskBackend;
import io.chunkstore.fs.Attributes;
import io.chunkstore.fs.FileTree;
import io.chunkstore.index.Counter;
import io.chunkstore.index.DirEntry;
import io.chunkstore.index.Index;
import io.chunkstore.store.BlockStore;
import io.chunkstore.store.StoreConfig;
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
   */
  public record Options(long cacheBytes, int threads, long stagingBytes) {
    /** 256 MiB of cache, a thread per core, 256 MiB of staged writes. */
    public static Options defaults() {
      return new Options(256L << 20, Math.max(1, Runtime.getRuntime().availableProcessors()), 256L << 20);
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
   * Creates a store in {@code directory}, which must not exist or be empty, and opens it.
   *
   * @throws io.chunkstore.store.StoreException if there is a store or other files there already,
   *     or a setting is invalid
   */
  public static ChunkStore create(Path directory, StoreConfig config) throws IOException {
    return open(StoreDirectory.create(directory, config), Options.defaults());
  }

  /** Opens the store in {@code directory} with default options. */
  public static ChunkStore open(Path directory) throws IOException {
    return open(directory, Options.defaults());
  }

  /**
   * Opens the store in {@code directory}.
   *
   * @throws io.chunkstore.store.StoreException if it is not a store, has another format version,
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
      index = Index.open(dir.indexDir());
      backend = new LocalDiskBackend(dir.packsDir());
      blocks = BlockStore.open(index, backend, dir.config(), dir.stagingDir(), options.cacheBytes(), options.threads());
      FileTree tree = new FileTree(index, blocks, options.stagingBytes());
      tree.freeOrphans();
      return new ChunkStore(dir, index, backend, blocks, tree);
    } catch (IOException | RuntimeException e) {
      closeAll(e, blocks, backend, index, dir);
      throw e;
    }
  }

  /** The settings the store was created with. */
  public StoreConfig config() {
    return dir.config();
  }

  /** The store's directory. */
  public Path directory() {
    return dir.root();
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
    for (DirEntry e : tree.list(path)) {
      out.add(FileInfo.of(base + e.name(), tree.inode(e.ino())));
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

  /** Changes permissions, owner or times; {@link Attributes#KEEP} fields stay as they are. */
  public FileInfo setAttributes(String path, Attributes attrs) throws IOException {
    return FileInfo.of(path, tree.setAttributes(path, attrs));
  }

  /** How much the store holds and saves. */
  public StoreStats stats() {
    return new StoreStats(index.counter(Counter.LOGICAL_BYTES), index.counter(Counter.UNIQUE_RAW_BYTES),
        index.counter(Counter.PACK_BYTES), index.counter(Counter.UNIQUE_BLOCKS), index.counter(Counter.PACKS),
        index.counter(Counter.HOLE_BYTES));
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

  /** The file tree, for the FUSE adapter and maintenance tools. */
  public FileTree tree() {
    return tree;
  }

  /** The index, for maintenance tools and tests. */
  public Index index() {
    return index;
  }

  /** The block layer, for maintenance tools and tests. */
  public BlockStore blocks() {
    return blocks;
  }

  /** Seals the open pack, makes everything durable and releases the store. */
  @Override
  public void close() throws IOException {
    IOException first = null;
    try {
      tree.commitPending();
      blocks.close();
    } catch (IOException e) {
      first = e;
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
