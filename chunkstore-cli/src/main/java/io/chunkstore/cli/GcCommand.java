package io.chunkstore.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.chunkstore.control.ControlClient;
import io.chunkstore.control.NotMountedException;
import io.chunkstore.fsck.CancelledException;
import io.chunkstore.fsck.MaintenanceStore;
import io.chunkstore.gc.GcExecutor;
import io.chunkstore.gc.GcJson;
import io.chunkstore.gc.GcPlanner;
import io.chunkstore.gc.GcRefusedException;
import io.chunkstore.gc.LeaseRenewal;
import io.chunkstore.StoreLockedException;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code chunkstore gc} (also {@code chunkstore-fsck gc}): give the space of deleted data back. */
@Command(name = "gc", mixinStandardHelpOptions = true, exitCodeOnInvalidInput = FsckCommand.USAGE,
    exitCodeOnExecutionException = FsckCommand.OPERATIONAL,
    description = {"Free the space of blocks no file names any more.",
        "Drops unreferenced blocks, deletes packs with nothing live, and rewrites packs whose live share is"
            + " below --rewrite-below into new ones. Safe to kill at any point: the next gc finishes the work."},
    footer = {"", "Exit status: 0 done, 4 refused because the store has errors (run chunkstore-fsck --repair),",
        "8 operational error, 16 usage error, 32 cancelled (what was done is kept).",
        "While the store is mounted, the mount's daemon runs gc online: writes go on, no read fails.",
        "Run gc --renew-leases on a Tahoe-LAFS store more often than the grid's lease time (31 days by default)."})
final class GcCommand implements Callable<Integer> {
  @Parameters(index = "0", paramLabel = "STORE", description = "The store's directory.")
  Path store;

  @Option(names = "--dry-run", description = "Print the plan (blocks to drop, packs to delete and rewrite, bytes freed) and change nothing.")
  boolean dryRun;

  @Option(names = "--rewrite-below", paramLabel = "PCT", defaultValue = "50",
      description = "Rewrite packs whose live share is below PCT percent (default: ${DEFAULT-VALUE}; 0 never rewrites).")
  int rewriteBelow;

  @Option(names = "--max-unused", paramLabel = "PCT", defaultValue = "5",
      description = "Then rewrite the packs with the most dead bytes until at most PCT percent of the live bytes stay unused"
          + " (default: ${DEFAULT-VALUE}; 100 rewrites no more than --rewrite-below says).")
  int maxUnused;

  @Option(names = "--json", description = "Print one JSON object instead of the summary.")
  boolean json;

  @Option(names = "--renew-leases",
      description = "Then renew the leases of every live pack and of the store's metadata on its Tahoe-LAFS grid"
          + " (t=check&add-lease=true), never of the packs gc dropped: a grid that expires leases keeps what the store"
          + " needs. Needs the store unmounted.")
  boolean renewLeases;

  @Override
  public Integer call() throws Exception {
    if (rewriteBelow < 0 || rewriteBelow > 100) {
      System.err.println("gc: --rewrite-below is a percentage from 0 to 100, not " + rewriteBelow);
      return FsckCommand.USAGE;
    }
    if (maxUnused < 0 || maxUnused > 100) {
      System.err.println("gc: --max-unused is a percentage from 0 to 100, not " + maxUnused);
      return FsckCommand.USAGE;
    }
    double threshold = rewriteBelow / 100.0;
    TerminalProgress progress = new TerminalProgress();
    JsonNode r;
    try {
      r = dryRun ? plan(threshold) : collect(threshold, progress);
    } catch (GcRefusedException e) {
      System.err.println("gc: " + e.getMessage());
      return FsckCommand.LEFT;
    } catch (CancelledException e) {
      System.err.println("gc: cancelled; what was done is kept, and the next gc goes on from there");
      return FsckCommand.CANCELLED;
    } catch (StoreLockedException locked) {
      r = throughDaemon(locked, progress); // mounted: the daemon runs it, online
      if (renewLeases && !dryRun) {
        System.err.println("gc: the mount's gc ran, but --renew-leases needs the store unmounted; "
            + io.chunkstore.control.LiveMount.explain(locked).getMessage());
        printResult(r);
        return FsckCommand.OPERATIONAL;
      }
    }
    if (renewLeases && !dryRun) {
      try {
        renew((ObjectNode) r, progress);
      } catch (CancelledException e) {
        System.err.println("gc: lease renewal cancelled; gc's work is kept, run gc --renew-leases again");
        return FsckCommand.CANCELLED;
      }
    }
    printResult(r);
    return 0;
  }

  /** Renews the leases of what the store still holds, after gc dropped the rest. */
  private void renew(ObjectNode r, TerminalProgress progress) throws java.io.IOException {
    try (MaintenanceStore m = MaintenanceStore.open(store)) {
      if (!LeaseRenewal.applies(m)) {
        System.err.println("gc: the store's packs are not on a grid with leases (" + m.backend().describe()
            + "); there are no leases to renew");
        return;
      }
      LeaseRenewal.Result l = LeaseRenewal.run(m, progress, Interrupts.onSigint());
      ObjectNode o = r.putObject("leases");
      o.put("packsRenewed", l.packsRenewed());
      o.put("packsNotOnTheGridYet", l.packsMissing());
      o.put("packsUnhealthy", l.packsUnhealthy());
      o.put("metadataRenewed", l.metadataRenewed());
    }
  }

  private void printResult(JsonNode r) {
    if (json) {
      System.out.println(r);
    } else if (dryRun) {
      System.out.printf(Locale.ROOT, "would drop %d blocks, delete %d packs, rewrite %d packs (%s of live data),"
          + " and free about %s%s%n", r.path("blocksToDrop").asLong(), r.path("packsToDelete").asLong(),
          r.path("packsToRewrite").asLong(), Sizes.human(r.path("bytesToRewrite").asLong()),
          Sizes.human(r.path("bytesToFree").asLong()), r.path("orphanPacks").asLong() == 0 ? ""
              : "; " + r.path("orphanPacks").asLong() + " packs no record names would be recorded first");
    } else {
      System.out.printf(Locale.ROOT, "dropped %d blocks, deleted %d packs, wrote %d new ones; freed %s in %.1f s%n",
          r.path("blocksDropped").asLong(), r.path("packsDeleted").asLong(), r.path("packsWritten").asLong(),
          Sizes.human(Math.max(0, r.path("bytesFreed").asLong())), r.path("seconds").asDouble());
    }
    JsonNode l = r.path("leases");
    if (!json && !l.isMissingNode()) {
      System.out.printf(Locale.ROOT, "renewed the leases of %d live packs and %d metadata objects%s%s%n",
          l.path("packsRenewed").asLong(), l.path("metadataRenewed").asLong(),
          l.path("packsNotOnTheGridYet").asLong() == 0 ? ""
              : "; " + l.path("packsNotOnTheGridYet").asLong() + " packs are still in the upload queue",
          l.path("packsUnhealthy").asLong() == 0 ? ""
              : "; " + l.path("packsUnhealthy").asLong() + " packs have fewer shares than they should"
                  + " (chunkstore-fsck --read-data --repair has the grid repair them)");
    }
  }

  private JsonNode plan(double threshold) throws java.io.IOException {
    try (MaintenanceStore m = MaintenanceStore.open(store)) {
      return GcJson.plan(GcPlanner.plan(m, threshold, maxUnused / 100.0));
    }
  }

  private JsonNode collect(double threshold, TerminalProgress progress) throws java.io.IOException {
    long started = System.nanoTime();
    GcExecutor.GcResult r = GcExecutor.run(store, threshold, maxUnused / 100.0, progress, Interrupts.onSigint());
    return GcJson.result(r, (System.nanoTime() - started) / 1e9);
  }

  private JsonNode throughDaemon(StoreLockedException locked, TerminalProgress progress) throws java.io.IOException {
    ObjectNode request = ControlClient.request("gc");
    request.put("rewriteBelow", rewriteBelow);
    request.put("maxUnused", maxUnused);
    request.put("dryRun", dryRun);
    try (ControlClient daemon = ControlClient.connect(store)) {
      return daemon.call(request, new FsckCommand.DaemonProgress(progress));
    } catch (NotMountedException notMounted) {
      throw locked;
    } finally {
      progress.done();
    }
  }
}
