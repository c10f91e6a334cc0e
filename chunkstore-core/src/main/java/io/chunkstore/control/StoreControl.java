package io.chunkstore.control;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.chunkstore.ChunkStore;
import io.chunkstore.StoreStats;
import io.chunkstore.internal.Internals;
import io.chunkstore.store.DeadSpace;
import java.io.Closeable;
import java.io.IOException;
import java.nio.file.Path;

/**
 * The control socket of a mounted store, with the operations every mount serves:
 *
 * <ul>
 *   <li>{@code info}: {@code mountPoint}, {@code pid}, {@code ops} (the operations served);
 *   <li>{@code stats}: what {@code chunkstore stats} shows ({@link #stats}), dead bytes included;
 *   <li>{@code flush}: folds every open file's staged writes, seals the open pack and syncs,
 *       as a clean unmount would, without unmounting.
 * </ul>
 *
 * <p>More come from a {@link ControlSetup} (fsck and gc register theirs that way).
 */
public final class StoreControl implements Closeable {
  private final ControlServer server;

  private StoreControl(ControlServer server) {
    this.server = server;
  }

  /**
   * Serves the control socket of {@code store}, mounted at {@code mountPoint}, from
   * {@code STORE/control.sock}. The caller holds the store open (and so its lock).
   *
   * @param more further operations to serve
   */
  public static StoreControl start(ChunkStore store, Path mountPoint, ControlSetup more) throws IOException {
    ControlServer server = ControlServer.bind(store.directory().resolve(ControlServer.SOCKET_NAME));
    try {
      String mounted = mountPoint.toAbsolutePath().normalize().toString();
      long pid = ProcessHandle.current().pid();
      server.register("info", (request, progress) -> {
        ObjectNode o = ControlServer.JSON.createObjectNode();
        o.put("mountPoint", mounted);
        o.put("pid", pid);
        o.set("ops", ControlServer.JSON.valueToTree(server.operations()));
        return o;
      });
      server.register("stats", (request, progress) -> {
        Internals.tree(store).awaitFolds(); // a file closed before the call counts, stored or about to be
        return stats(store);
      });
      server.register("flush", (request, progress) -> {
        Internals.tree(store).flushAll();
        store.flush();
        return ControlServer.JSON.createObjectNode().put("flushed", true);
      });
      more.register(store, server);
      server.start();
      return new StoreControl(server);
    } catch (RuntimeException e) {
      server.close();
      throw e;
    }
  }

  /**
   * The figures {@code chunkstore stats} shows, as JSON: the counters of {@link StoreStats},
   * the ratios (four decimals), and {@code deadBytes}/{@code deadBlocks}, the space in packs
   * of blocks that no file uses any more ({@link DeadSpace}), which gc would free.
   */
  public static ObjectNode stats(ChunkStore store) {
    StoreStats s = store.stats();
    DeadSpace dead = DeadSpace.measure(Internals.index(store));
    ObjectNode o = ControlServer.JSON.createObjectNode();
    o.put("logicalBytes", s.logicalBytes());
    o.put("holeBytes", s.logicalBytes() - s.dataBytes());
    o.put("uniqueRawBytes", s.uniqueRawBytes());
    o.put("storedBytes", s.storedBytes());
    o.put("uniqueBlocks", s.uniqueBlocks());
    o.put("packs", s.packs());
    o.put("dedupRatio", round4(s.dedupRatio()));
    o.put("compressionRatio", round4(s.compressionRatio()));
    o.put("totalRatio", round4(s.totalRatio()));
    o.put("deadBytes", dead.storedBytes());
    io.chunkstore.backend.UploadBacklog backlog = store.uploadBacklog();
    o.put("uploadBacklogPacks", backlog.objects());
    o.put("uploadBacklogBytes", backlog.bytes());
    if (!backlog.lastError().isEmpty()) {
      o.put("uploadLastError", backlog.lastError());
    }
    o.put("deadBlocks", dead.blocks());
    return o;
  }

  private static double round4(double v) {
    return Math.round(v * 10_000) / 10_000.0;
  }

  /** The socket's path. */
  public Path socket() {
    return server.socket();
  }

  /** Stops serving (running requests are cancelled) and removes the socket. */
  @Override
  public void close() throws IOException {
    server.close();
  }
}
