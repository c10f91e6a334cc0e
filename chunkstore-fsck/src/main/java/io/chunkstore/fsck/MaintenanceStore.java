package io.chunkstore.fsck;

import io.chunkstore.backend.Backend;
import io.chunkstore.chunking.Chunker;
import io.chunkstore.chunking.Chunkers;
import io.chunkstore.compress.Codec;
import io.chunkstore.compress.Codecs;
import io.chunkstore.hashing.Hasher;
import io.chunkstore.hashing.Hashers;
import io.chunkstore.id.PackId;
import io.chunkstore.index.Index;
import io.chunkstore.internal.Internals;
import io.chunkstore.store.StoreDirectory;
import io.chunkstore.StoreException;
import java.io.Closeable;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Optional;

/**
 * A store opened for maintenance: its directory (and so its lock), its index and its backend,
 * without the block layer. Opening has no side effects: no crash recovery, no orphan reclaim, so
 * that a check reports what it found before anything changes it.
 */
public final class MaintenanceStore implements Closeable {
  private final StoreDirectory dir;
  private final Index index;
  private final Backend backend;
  private final Hasher hasher;
  /** False for a view of a store someone else has open: closing it then closes nothing. */
  private final boolean owned;
  /** The index of the store this views; differs from {@link #index} in a snapshot view. */
  private final Index liveIndexOf;

  private MaintenanceStore(StoreDirectory dir, Index index, Backend backend) {
    this(dir, index, backend, true);
  }

  private MaintenanceStore(StoreDirectory dir, Index index, Backend backend, boolean owned) {
    this(dir, index, backend, owned, index);
  }

  private MaintenanceStore(StoreDirectory dir, Index index, Backend backend, boolean owned, Index live) {
    this.liveIndexOf = live;
    this.owned = owned;
    this.dir = dir;
    this.index = index;
    this.backend = backend;
    this.hasher = Hashers.byName(dir.config().hash());
  }

  /**
   * Opens the store at {@code root} and its existing index.
   *
   * @throws StoreException if it is not a store, is in use, or its index is missing
   */
  public static MaintenanceStore open(Path root) throws IOException {
    StoreDirectory dir = StoreDirectory.open(root);
    try {
      if (!Index.exists(dir.indexDir())) {
        throw new StoreException("the store at " + root + " has no index; rebuild it with: chunkstore-fsck "
            + root + " --rebuild-index");
      }
      MaintenanceStore m = new MaintenanceStore(dir, Index.open(dir.indexDir()), backendOf(dir));
      dir.restrictIndexFiles(); // the files RocksDB has just made, with the process umask
      return m;
    } catch (IOException | RuntimeException e) {
      dir.close();
      throw e;
    }
  }

  /**
   * A view of a store that is open (a mount's), for maintenance that runs inside it: read-only
   * checks, and an online gc. Closing the view leaves the store open.
   */
  public static MaintenanceStore of(io.chunkstore.ChunkStore open) {
    return new MaintenanceStore(Internals.storeDirectory(open), Internals.index(open), Internals.backend(open), false);
  }

  /**
   * A read-only view of an open store as it is now (a snapshot of its index), for a check that
   * runs while writes go on. Closing it releases the snapshot.
   */
  public static MaintenanceStore snapshotOf(io.chunkstore.ChunkStore open) {
    return new MaintenanceStore(Internals.storeDirectory(open), Internals.index(open).snapshot(), Internals.backend(open), false, Internals.index(open));
  }

  /** True for a view of a store that a process (a mount) has open: writers may be at work. */
  public boolean live() {
    return !owned;
  }

  /** Opens the store's directory and backend, and an index in it that may be new and empty. */
  static MaintenanceStore openCreatingIndex(StoreDirectory dir) throws IOException {
    MaintenanceStore m = new MaintenanceStore(dir, Index.open(dir.indexDir()), backendOf(dir));
    dir.restrictIndexFiles();
    return m;
  }

  static Backend backendOf(StoreDirectory dir) throws IOException {
    // no upload draining at close: maintenance looks, the next ordinary open carries uploads on
    return io.chunkstore.backend.Backends.provider(dir.config().backend()).open(dir.root(), java.util.Map.of("drain", "false"));
  }

  /** The store's directory and settings. */
  public StoreDirectory directory() {
    return dir;
  }

  /** The store's root. */
  public Path root() {
    return dir.root();
  }

  /** The index. */
  public Index index() {
    return index;
  }

  /** Where the packs are. */
  public Backend backend() {
    return backend;
  }

  /** The store's hash. */
  public Hasher hasher() {
    return hasher;
  }

  /** The store's chunker. */
  public Chunker chunker() {
    return Chunkers.parse(dir.config().chunker());
  }

  /** The store's codec, for packs that maintenance writes. */
  public Codec codec() {
    return Codecs.parse(dir.config().compression());
  }

  /** The pack id a backend key names, if it names one. */
  public static Optional<PackId> packKey(String key) {
    try {
      return Optional.of(PackId.fromHex(key));
    } catch (IllegalArgumentException e) {
      return Optional.empty();
    }
  }

  @Override
  public void close() throws IOException {
    if (!owned) {
      if (index != liveIndexOf) {
        index.close(); // a snapshot view: releases the snapshot only
      }
      return;
    }
    try {
      index.close();
      dir.restrictIndexFiles();
    } finally {
      try {
        backend.close();
      } finally {
        dir.close();
      }
    }
  }
}
