package io.chunkstore.cli;

import io.chunkstore.fsck.Cancellation;
import io.chunkstore.fsck.CancelledException;
import io.chunkstore.fsck.MaintenanceStore;
import io.chunkstore.gc.GcExecutor;
import io.chunkstore.gc.GcPlan;
import io.chunkstore.gc.GcPlanner;
import io.chunkstore.gc.GcRefusedException;
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
        "8 operational error, 16 usage error, 32 cancelled (what was done is kept)."})
final class GcCommand implements Callable<Integer> {
  @Parameters(index = "0", paramLabel = "STORE", description = "The store's directory.")
  Path store;

  @Option(names = "--dry-run", description = "Print the plan (blocks to drop, packs to delete and rewrite, bytes freed) and change nothing.")
  boolean dryRun;

  @Option(names = "--rewrite-below", paramLabel = "PCT", defaultValue = "50",
      description = "Rewrite packs whose live share is below PCT percent (default: ${DEFAULT-VALUE}; 0 never rewrites).")
  int rewriteBelow;

  @Option(names = "--json", description = "Print one JSON object instead of the summary.")
  boolean json;

  @Override
  public Integer call() throws Exception {
    if (rewriteBelow < 0 || rewriteBelow > 100) {
      System.err.println("gc: --rewrite-below is a percentage from 0 to 100, not " + rewriteBelow);
      return FsckCommand.USAGE;
    }
    double threshold = rewriteBelow / 100.0;
    if (dryRun) {
      GcPlan plan;
      try (MaintenanceStore m = MaintenanceStore.open(store)) {
        plan = GcPlanner.plan(m, threshold);
      }
      if (json) {
        System.out.printf(Locale.ROOT, "{\"dryRun\":true,\"blocksToDrop\":%d,\"packsToDelete\":%d,\"packsToRewrite\":%d,"
            + "\"bytesToRewrite\":%d,\"bytesToFree\":%d,\"leftoverPacks\":%d,\"orphanPacks\":%d}%n", plan.blocksToDrop(),
            plan.with(GcPlan.Action.DELETE).size(), plan.with(GcPlan.Action.REWRITE).size(), plan.bytesToRewrite(),
            plan.bytesToFree(), plan.retired().size(), plan.orphanPacks().size());
      } else {
        System.out.printf(Locale.ROOT, "would drop %d blocks, delete %d packs, rewrite %d packs (%s of live data),"
            + " and free about %s%s%n", plan.blocksToDrop(), plan.with(GcPlan.Action.DELETE).size() + plan.retired().size(),
            plan.with(GcPlan.Action.REWRITE).size(), Sizes.human(plan.bytesToRewrite()), Sizes.human(plan.bytesToFree()),
            plan.orphanPacks().isEmpty() ? "" : "; " + plan.orphanPacks().size() + " packs no record names would be recorded first");
      }
      return 0;
    }
    Cancellation cancel = Interrupts.onSigint();
    long started = System.nanoTime();
    GcExecutor.GcResult r;
    try {
      r = GcExecutor.run(store, threshold, new TerminalProgress(), cancel);
    } catch (GcRefusedException e) {
      System.err.println("gc: " + e.getMessage());
      return FsckCommand.LEFT;
    } catch (CancelledException e) {
      System.err.println("gc: cancelled; what was done is kept, and the next gc goes on from there");
      return FsckCommand.CANCELLED;
    }
    double secs = (System.nanoTime() - started) / 1e9;
    if (json) {
      System.out.printf(Locale.ROOT, "{\"blocksDropped\":%d,\"packsDeleted\":%d,\"packsWritten\":%d,\"bytesWritten\":%d,"
          + "\"bytesFreed\":%d,\"seconds\":%.3f}%n", r.blocksDropped(), r.packsDeleted(), r.packsWritten(),
          r.bytesWritten(), r.bytesFreed(), secs);
    } else {
      System.out.printf(Locale.ROOT, "dropped %d blocks, deleted %d packs, wrote %d new ones; freed %s in %.1f s%n",
          r.blocksDropped(), r.packsDeleted(), r.packsWritten(), Sizes.human(Math.max(0, r.bytesFreed())), secs);
    }
    return 0;
  }
}
