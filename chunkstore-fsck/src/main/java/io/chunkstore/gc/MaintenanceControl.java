package io.chunkstore.gc;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.chunkstore.ChunkStore;
import io.chunkstore.control.ControlRegistry;
import io.chunkstore.control.ControlSetup;
import io.chunkstore.control.ProgressSink;
import io.chunkstore.fsck.Cancellation;
import io.chunkstore.fsck.CancelledException;
import io.chunkstore.fsck.MaintenanceStore;
import io.chunkstore.fsck.OnlineCheck;
import io.chunkstore.fsck.ProgressListener;
import io.chunkstore.fsck.Report;
import io.chunkstore.fsck.ReportJson;
import io.chunkstore.fsck.Subset;
import io.chunkstore.internal.Internals;
import io.chunkstore.store.DeadSpace;
import java.io.IOException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a mount's control socket serves for maintenance: {@code fsck} (read-only, on a snapshot of
 * the index, with {@code readData} and {@code subset}) and {@code gc} (online, with
 * {@code rewriteBelow} and {@code dryRun}), both streaming progress; and, with {@code autogc}, a
 * gc the daemon starts by itself when dead bytes pass a share of the store.
 */
public final class MaintenanceControl {
  private static final Logger log = LoggerFactory.getLogger(MaintenanceControl.class);
  private static final ObjectMapper JSON = new ObjectMapper();

  private MaintenanceControl() {}

  /**
   * The handlers; with {@code autogcPercent} above 0, also a check every {@code autogcEveryMillis}
   * that starts a gc when dead bytes exceed that percentage of the stored bytes.
   */
  public static ControlSetup setup(int autogcPercent, long autogcEveryMillis) {
    return (store, registry) -> {
      register(store, registry);
      if (autogcPercent > 0) {
        startAutogc(store, autogcPercent, autogcEveryMillis);
      }
    };
  }

  static void register(ChunkStore store, ControlRegistry registry) {
    registry.register("fsck", (request, sink) -> {
      Subset subset = Subset.parse(request.text("subset", "100%"));
      Cancellation cancel = new Cancellation();
      try {
        Report r = OnlineCheck.run(store, request.flag("readData", false), subset, new StreamedProgress(sink, cancel), cancel);
        return ReportJson.of(store.directory().toString(), r);
      } catch (CancelledException e) {
        throw new IOException("the check was cancelled");
      }
    });
    registry.register("gc", (request, sink) -> {
      double below = request.number("rewriteBelow", Math.round(GcPlanner.DEFAULT_REWRITE_BELOW * 100)) / 100.0;
      double maxUnused = request.number("maxUnused", Math.round(GcPlanner.DEFAULT_MAX_UNUSED * 100)) / 100.0;
      if (request.flag("dryRun", false)) {
        try (MaintenanceStore view = MaintenanceStore.of(store)) {
          return GcJson.plan(GcPlanner.plan(view, below, maxUnused));
        }
      }
      Cancellation cancel = new Cancellation();
      long t0 = System.nanoTime();
      try {
        GcExecutor.GcResult r = GcExecutor.runOnline(store, below, maxUnused, new StreamedProgress(sink, cancel), cancel);
        return GcJson.result(r, (System.nanoTime() - t0) / 1e9);
      } catch (CancelledException e) {
        throw new IOException("gc was cancelled; what it did is kept");
      }
    });
  }

  private static void startAutogc(ChunkStore store, int percent, long everyMillis) {
    ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "chunkstore-autogc");
      t.setDaemon(true);
      return t;
    });
    timer.scheduleWithFixedDelay(() -> {
      try {
        long stored = store.stats().storedBytes();
        long dead = DeadSpace.measure(Internals.index(store)).storedBytes();
        if (stored > 0 && dead * 100 > (long) percent * stored) {
          log.info("autogc: {} of {} stored bytes are dead (over {}%); collecting", dead, stored, percent);
          GcExecutor.GcResult r = GcExecutor.runOnline(store, GcPlanner.DEFAULT_REWRITE_BELOW, ProgressListener.NONE,
              Cancellation.NEVER);
          log.info("autogc: freed {} bytes, dropped {} blocks", r.bytesFreed(), r.blocksDropped());
        }
      } catch (IOException | RuntimeException e) {
        log.warn("autogc: {}", e.getMessage());
      }
    }, everyMillis, everyMillis, TimeUnit.MILLISECONDS);
    Internals.onClose(store, timer::shutdownNow);
  }

  /** Progress sent to the client as JSON lines, four a second at most; a client that leaves cancels. */
  private static final class StreamedProgress implements ProgressListener {
    private final ProgressSink sink;
    private final Cancellation cancel;
    private String phase = "";
    private long total;
    private long done;
    private long lastSent;

    StreamedProgress(ProgressSink sink, Cancellation cancel) {
      this.sink = sink;
      this.cancel = cancel;
    }

    @Override
    public synchronized void start(String phase, long total) {
      this.phase = phase;
      this.total = total;
      this.done = 0;
      send(true);
    }

    @Override
    public synchronized void advance(long delta) {
      done += delta;
      send(false);
    }

    @Override
    public synchronized void done() {
      send(true);
    }

    private void send(boolean now) {
      if (sink.cancelled()) {
        cancel.request();
        return;
      }
      long t = System.nanoTime();
      if (!now && t - lastSent < 250_000_000L) {
        return;
      }
      lastSent = t;
      ObjectNode o = JSON.createObjectNode();
      o.put("phase", phase);
      o.put("done", done);
      o.put("total", total);
      try {
        sink.send(o);
      } catch (IOException e) {
        cancel.request(); // the client went away
      }
    }
  }
}
