package io.chunkstore.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.chunkstore.control.ControlClient;
import io.chunkstore.control.LiveMount;
import io.chunkstore.control.NotMountedException;
import io.chunkstore.fsck.Cancellation;
import io.chunkstore.fsck.CancelledException;
import io.chunkstore.fsck.GridCheck;
import io.chunkstore.fsck.IndexRebuild;
import io.chunkstore.fsck.MaintenanceStore;
import io.chunkstore.fsck.ReadDataCheck;
import io.chunkstore.fsck.Repair;
import io.chunkstore.fsck.RepairFrom;
import io.chunkstore.fsck.Report;
import io.chunkstore.fsck.ReportJson;
import io.chunkstore.fsck.StructuralCheck;
import io.chunkstore.fsck.Subset;
import io.chunkstore.gc.GcExecutor;
import io.chunkstore.StoreLockedException;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code chunkstore fsck} (also {@code chunkstore-fsck}): check, repair, rebuild. */
@Command(name = "fsck", mixinStandardHelpOptions = true, exitCodeOnInvalidInput = FsckCommand.USAGE,
    exitCodeOnExecutionException = FsckCommand.OPERATIONAL,
    description = {"Check a store and, if asked, repair it.",
        "Without options: a structural check that reads no pack data (the index against itself and the packs' trailers)."},
    footer = {"", "Exit status (as e2fsck): 0 clean, 1 errors fixed and none left, 4 errors left,",
        "8 operational error, 16 usage error, 32 cancelled (Ctrl-C; --read-data resumes next time).",
        "While the store is mounted, the check (and --read-data) runs inside the mount's daemon on a",
        "snapshot of its index; --repair, --repair-from and --rebuild-index need the store unmounted."})
final class FsckCommand implements Callable<Integer> {
  static final int CLEAN = 0;
  static final int LEFT = 4;
  static final int OPERATIONAL = 8;
  static final int USAGE = 16;
  static final int CANCELLED = 32;

  @Parameters(index = "0", paramLabel = "STORE", description = "The store's directory.")
  Path store;

  @Option(names = "--read-data", description = "Also read every pack: check every frame, decompress and hash every block."
      + " On a Tahoe-LAFS store the grid also verifies every share of every pack (with --repair: and replaces bad or"
      + " missing shares).")
  boolean readData;

  @Option(names = "--read-data-subset", paramLabel = "N%|K/M",
      description = "Read only a part of the packs: a share (N%%), or the K-th of M parts. Implies --read-data.")
  String subset;

  @Option(names = "--repair", description = "Fix what can be fixed: refcounts, counters, entries; link unreachable"
      + " inodes into /lost+found; quarantine bad blocks; salvage damaged packs.")
  boolean repair;

  @Option(names = "--repair-from", paramLabel = "DIR",
      description = "Restore missing or quarantined blocks from copies of the files under DIR.")
  Path repairFrom;

  @Option(names = "--rebuild-index",
      description = "Rebuild the index: blocks and packs from the packs' trailers, the file tree from the newest metadata backup.")
  boolean rebuildIndex;

  @Option(names = "--json", description = "Print one JSON object instead of the summary.")
  boolean json;

  @Override
  public Integer call() throws Exception {
    Subset part;
    try {
      part = subset == null ? Subset.ALL : Subset.parse(subset);
    } catch (IllegalArgumentException e) {
      System.err.println("fsck: " + e.getMessage());
      return USAGE;
    }
    boolean read = readData || subset != null;
    Cancellation cancel = Interrupts.onSigint();
    TerminalProgress progress = new TerminalProgress();
    JsonNode report;
    try {
      Report r;
      if (rebuildIndex) {
        r = IndexRebuild.run(store, progress, cancel);
      } else if (repairFrom != null) {
        r = RepairFrom.run(store, repairFrom, progress, cancel);
      } else {
        r = check(part, read, progress, cancel);
      }
      report = ReportJson.of(store.toString(), r);
    } catch (CancelledException e) {
      System.err.println("fsck: cancelled" + (read ? "; the next --read-data resumes where this one stopped" : ""));
      return CANCELLED;
    } catch (StoreLockedException locked) {
      if (rebuildIndex || repairFrom != null || repair) {
        String what = rebuildIndex ? "--rebuild-index" : repairFrom != null ? "--repair-from" : "--repair";
        System.err.println("fsck: " + what + " needs the store unmounted; " + LiveMount.explain(locked).getMessage());
        return OPERATIONAL;
      }
      report = throughDaemon(locked, read, subset == null ? "100%" : subset, progress);
    }
    if (json) {
      System.out.println(report);
    } else {
      print(report, System.out);
    }
    return report.path("exitStatus").asInt(OPERATIONAL);
  }

  /** A read-only check run by the mount daemon that holds the store, on a snapshot of its index. */
  private JsonNode throughDaemon(StoreLockedException locked, boolean read, String subset, TerminalProgress progress)
      throws IOException {
    ObjectNode request = ControlClient.request("fsck");
    request.put("readData", read);
    request.put("subset", subset);
    try (ControlClient daemon = ControlClient.connect(store)) {
      return daemon.call(request, new DaemonProgress(progress));
    } catch (NotMountedException notMounted) {
      throw locked; // held by a command that is not a mount
    } finally {
      progress.done();
    }
  }

  /** Shows the progress lines a daemon streams with the local bar. */
  static final class DaemonProgress implements java.util.function.Consumer<JsonNode> {
    private final TerminalProgress bar;
    private String phase;
    private long done;

    DaemonProgress(TerminalProgress bar) {
      this.bar = bar;
    }

    @Override
    public void accept(JsonNode p) {
      String ph = p.path("phase").asText();
      if (!ph.equals(phase)) {
        phase = ph;
        done = 0;
        bar.start(ph, p.path("total").asLong(-1));
      }
      long now = p.path("done").asLong();
      bar.advance(now - done);
      done = now;
    }
  }

  private Report check(Subset part, boolean read, TerminalProgress progress, Cancellation cancel) throws IOException {
    try (MaintenanceStore m = MaintenanceStore.open(store)) {
      Repair.Check check = () -> {
        Report r = StructuralCheck.run(m, progress, cancel);
        if (read) {
          r.absorb(ReadDataCheck.run(m, part, progress, cancel));
        }
        return r;
      };
      Report r = repair ? GcExecutor.repair(m, check, progress) : check.run();
      if (read && GridCheck.applies(m)) {
        r.absorb(GridCheck.run(m, part, repair, progress, cancel)); // once, not in every round of repair
      }
      return r;
    }
  }

  private void print(JsonNode r, PrintStream out) {
    JsonNode f = r.path("figures");
    if (f.has("blocksFromTrailers")) {
      out.printf(Locale.ROOT, "rebuilt the index: %d blocks from the trailers of %d packs, the file tree %s%n",
          f.path("blocksFromTrailers").asLong(), f.path("packsRead").asLong(), f.has("treeFromBackupTakenAt")
              ? "from the backup of " + java.time.Instant.ofEpochSecond(f.path("treeFromBackupTakenAt").asLong())
              : "lost (there was no backup)");
    }
    if (f.has("filesHealed")) {
      out.printf(Locale.ROOT, "restored %d blocks: %d files healed, %d still hurt%n", f.path("blocksRestored").asLong(),
          f.path("filesHealed").asLong(), f.path("filesStillHurt").asLong());
    } else {
      out.printf(Locale.ROOT, "%s: %d inodes, %d extents, %d blocks, %d packs checked%s%n", store,
          f.path("inodes").asLong(), f.path("extents").asLong(), f.path("blocks").asLong(), f.path("packs").asLong(),
          f.has("blocksHashed") ? String.format(Locale.ROOT, "; %d blocks (%s) read and hashed in %.1f s",
              f.path("blocksHashed").asLong(), Sizes.human(f.path("bytesHashed").asLong()),
              f.path("readDataMillis").asLong() / 1000.0) : "");
    }
    if (f.has("packsVerifiedOnGrid")) {
      out.printf(Locale.ROOT, "the grid verified every share of %d packs%s%n", f.path("packsVerifiedOnGrid").asLong(),
          f.has("packsRepairedOnGrid") ? " and repaired " + f.path("packsRepairedOnGrid").asLong() : "");
    }
    int errors = 0;
    for (JsonNode x : r.path("findings")) {
      boolean error = x.path("severity").asText().equals("error");
      errors += error ? 1 : 0;
      out.printf("%s %s %s: %s%n", error ? "error " : "notice", x.path("kind").asText().replace('_', ' '),
          x.path("subject").asText(), x.path("detail").asText());
      for (JsonNode p : x.path("paths")) {
        out.println("    " + p.asText().replace("\n", "\\n"));
      }
    }
    Map<String, Integer> byKind = new TreeMap<>();
    for (JsonNode x : r.path("fixed")) {
      if (x.path("severity").asText().equals("error")) {
        byKind.merge(x.path("kind").asText().replace('_', ' '), 1, Integer::sum);
      }
    }
    if (!byKind.isEmpty()) {
      out.println("fixed: " + byKind.toString().replaceAll("[{}]", "").replace("=", " x"));
    }
    out.println(switch (r.path("exitStatus").asInt()) {
      case 0 -> "clean";
      case 1 -> "errors fixed; none left";
      default -> errors + " error" + (errors == 1 ? "" : "s") + " left" + (repair ? "" : "; --repair fixes what can be fixed");
    });
  }
}
