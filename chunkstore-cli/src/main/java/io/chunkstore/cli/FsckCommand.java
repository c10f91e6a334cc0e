package io.chunkstore.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.chunkstore.fsck.Cancellation;
import io.chunkstore.fsck.CancelledException;
import io.chunkstore.fsck.Finding;
import io.chunkstore.fsck.IndexRebuild;
import io.chunkstore.fsck.MaintenanceStore;
import io.chunkstore.fsck.ReadDataCheck;
import io.chunkstore.fsck.Repair;
import io.chunkstore.fsck.RepairFrom;
import io.chunkstore.fsck.Report;
import io.chunkstore.fsck.StructuralCheck;
import io.chunkstore.fsck.Subset;
import io.chunkstore.gc.GcExecutor;
import io.chunkstore.id.PackId;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
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
        "--repair, --repair-from and --rebuild-index need the store unmounted."})
final class FsckCommand implements Callable<Integer> {
  static final int CLEAN = 0;
  static final int LEFT = 4;
  static final int OPERATIONAL = 8;
  static final int USAGE = 16;
  static final int CANCELLED = 32;

  @Parameters(index = "0", paramLabel = "STORE", description = "The store's directory.")
  Path store;

  @Option(names = "--read-data", description = "Also read every pack: check every frame, decompress and hash every block.")
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
    Report report;
    try {
      if (rebuildIndex) {
        report = IndexRebuild.run(store, progress, cancel);
      } else if (repairFrom != null) {
        report = RepairFrom.run(store, repairFrom, progress, cancel);
      } else {
        report = check(part, read, progress, cancel);
      }
    } catch (CancelledException e) {
      System.err.println("fsck: cancelled" + (read ? "; the next --read-data resumes where this one stopped" : ""));
      return CANCELLED;
    }
    print(report, json ? null : System.out);
    return report.exitStatus();
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
      Report first = check.run();
      if (!repair) {
        return first;
      }
      Report r = Repair.run(m, first, check);
      List<PackId> damaged = r.findings().stream()
          .filter(f -> f.kind() == Finding.Kind.DAMAGED_PACK || f.kind() == Finding.Kind.PACK_SIZE_MISMATCH)
          .map(f -> PackId.fromHex(f.subject().substring("pack ".length()))).distinct().toList();
      if (!damaged.isEmpty()) {
        long saved = GcExecutor.salvage(m, damaged, progress);
        r.figure("blocksSalvaged", saved);
        Report after = Repair.run(m, check.run(), check);
        r.absorb(after);
        r.replaceFindings(after);
      }
      return r;
    }
  }

  private void print(Report r, PrintStream out) throws IOException {
    if (out == null) {
      System.out.println(toJson(r));
      return;
    }
    Map<String, Long> f = r.figures();
    out.printf(Locale.ROOT, "%s: %d inodes, %d extents, %d blocks, %d packs checked%s%n", store,
        f.getOrDefault("inodes", 0L), f.getOrDefault("extents", 0L), f.getOrDefault("blocks", 0L),
        f.getOrDefault("packs", 0L), f.containsKey("blocksHashed")
            ? String.format(Locale.ROOT, "; %d blocks read and hashed in %.1f s", f.get("blocksHashed"),
                f.getOrDefault("readDataMillis", 0L) / 1000.0) : "");
    for (Finding x : r.findings()) {
      out.printf("%s %s %s: %s%n", x.isError() ? "error " : "notice", label(x.kind()), x.subject(), x.detail());
      for (String p : x.paths()) {
        out.println("    " + p.replace("\n", "\\n"));
      }
    }
    if (!r.fixedFindings().isEmpty()) {
      Map<String, Integer> byKind = new TreeMap<>();
      r.fixedFindings().stream().filter(Finding::isError).forEach(x -> byKind.merge(label(x.kind()), 1, Integer::sum));
      if (!byKind.isEmpty()) {
        out.println("fixed: " + byKind.toString().replaceAll("[{}]", "").replace("=", " x"));
      }
    }
    int errors = r.errors().size();
    out.println(switch (r.exitStatus()) {
      case 0 -> "clean";
      case 1 -> "errors fixed; none left";
      default -> errors + " error" + (errors == 1 ? "" : "s") + " left" + (repair ? "" : "; --repair fixes what can be fixed");
    });
  }

  private String toJson(Report r) {
    ObjectMapper json = new ObjectMapper();
    ObjectNode root = json.createObjectNode();
    root.put("store", store.toString());
    root.put("exitStatus", r.exitStatus());
    root.put("status", switch (r.exitStatus()) {
      case 0 -> "clean";
      case 1 -> "fixed";
      default -> "errors";
    });
    ObjectNode figures = root.putObject("figures");
    r.figures().forEach(figures::put);
    findings(root.putArray("findings"), r.findings());
    findings(root.putArray("fixed"), r.fixedFindings());
    return root.toString();
  }

  private static void findings(ArrayNode out, List<Finding> list) {
    for (Finding f : list) {
      ObjectNode o = out.addObject();
      o.put("kind", f.kind().name().toLowerCase(Locale.ROOT));
      o.put("severity", f.kind().severity().name().toLowerCase(Locale.ROOT));
      o.put("subject", f.subject());
      o.put("detail", f.detail());
      ArrayNode paths = o.putArray("paths");
      f.paths().forEach(paths::add);
    }
  }

  static String label(Finding.Kind k) {
    return k.name().toLowerCase(Locale.ROOT).replace('_', ' ');
  }
}
