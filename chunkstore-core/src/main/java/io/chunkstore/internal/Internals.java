package io.chunkstore.internal;

import io.chunkstore.ChunkStore;
import io.chunkstore.backend.Backend;
import io.chunkstore.fs.FileTree;
import io.chunkstore.index.Index;
import io.chunkstore.store.BlockStore;
import io.chunkstore.store.StoreDirectory;
import java.util.List;
import java.util.concurrent.locks.Lock;
import java.util.function.Function;

/**
 * The parts of an open {@link ChunkStore} that the project's own modules (FUSE, maintenance, the
 * CLI, benchmarks) and tests work on directly. They are not the library API: this package is
 * exported only to those modules (see {@code module-info.java}), so that an embedder sees
 * {@code ChunkStore}'s file operations and nothing of the layers below them.
 */
public final class Internals {
  /** How many metadata backups a store keeps; older ones are purged (shared files stay as needed). */
  public static final int METADATA_BACKUPS_KEPT = 3;

  /**
   * What an open store is made of.
   *
   * @param directory the store's directory, settings and lock
   * @param index the RocksDB index
   * @param backend where the packs are
   * @param blocks the block layer
   * @param tree the file tree
   * @param maintenanceLock held by maintenance that runs inside the open store (an online gc),
   *     so that one runs at a time
   * @param closeHooks run first thing when the store closes
   */
  public record Parts(StoreDirectory directory, Index index, Backend backend, BlockStore blocks, FileTree tree,
      Lock maintenanceLock, List<Runnable> closeHooks) { }

  /** Set once, by ChunkStore's class initializer: any caller holding a store has run it. */
  private static volatile Function<ChunkStore, Parts> parts;

  private Internals() { }

  /** For {@link ChunkStore} only: how to take a store apart. */
  public static void grant(Function<ChunkStore, Parts> access) {
    if (parts != null) {
      throw new IllegalStateException("the store's parts are handed out once");
    }
    parts = access;
  }

  /** Everything {@code store} is made of. */
  public static Parts of(ChunkStore store) {
    return parts.apply(store);
  }

  /** The file tree, for the FUSE adapters and maintenance tools. */
  public static FileTree tree(ChunkStore store) {
    return of(store).tree();
  }

  /** The index, for maintenance tools and tests. */
  public static Index index(ChunkStore store) {
    return of(store).index();
  }

  /** The block layer, for maintenance tools and tests. */
  public static BlockStore blocks(ChunkStore store) {
    return of(store).blocks();
  }

  /** Where the packs are, for maintenance tools. */
  public static Backend backend(ChunkStore store) {
    return of(store).backend();
  }

  /** The store's directory, settings and lock, for maintenance tools. */
  public static StoreDirectory storeDirectory(ChunkStore store) {
    return of(store).directory();
  }

  /** Held by maintenance that runs inside the open store (an online gc), so that one runs at a time. */
  public static Lock maintenanceLock(ChunkStore store) {
    return of(store).maintenanceLock();
  }

  /** Runs {@code hook} first thing when {@code store} closes: for work that must stop before it does. */
  public static void onClose(ChunkStore store, Runnable hook) {
    of(store).closeHooks().add(hook);
  }
}
