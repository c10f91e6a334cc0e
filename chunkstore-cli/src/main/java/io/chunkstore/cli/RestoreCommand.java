package io.chunkstore.cli;

import io.chunkstore.fsck.Cancellation;
import io.chunkstore.fsck.CancelledException;
import io.chunkstore.fsck.IndexRebuild;
import io.chunkstore.fsck.MaintenanceStore;
import io.chunkstore.fsck.ProgressListener;
import io.chunkstore.fsck.Report;
import io.chunkstore.fsck.StructuralCheck;
import io.chunkstore.StoreException;
import io.chunkstore.tahoe.TahoeRestore;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Comparator;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.ThreadLocalRandom;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code chunkstore restore STORE --from-tahoe URL DIRCAP}: a store rebuilt on a machine with
 * nothing local, from its directory on the grid alone. The store is made in a hidden directory
 * beside STORE and renamed into place once it is whole, so a restore that fails leaves nothing.
 */
@Command(name = "restore", mixinStandardHelpOptions = true,
    description = {"Rebuild a store whose packs are on a Tahoe-LAFS grid, from the grid alone, in STORE (a new or"
        + " empty directory).",
        "Fetches the store's settings and newest index backup from its directory on the grid, takes in the packs"
            + " sealed after that backup from their trailers, recounts, and checks the result."},
    footer = {"", "DIRCAP is the dircap in the old store's backend.json (URI:DIR2:...), a secret: give - to read it from"
        + " standard input, so that it stays out of the process list and the shell's history.",
        "Files written after the newest backup (a store backs up when it closes, and a mount hourly)"
            + " are not in it: their blocks come back, named by no file."})
final class RestoreCommand implements Callable<Integer> {
  @Parameters(index = "0", paramLabel = "STORE", description = "Directory of the restored store (new or empty).")
  Path store;

  // DIRCAP follows --from-tahoe URL on the command line, but is a parameter of its own: one value
  // per option keeps the usage line readable (an option of arity 2 prints as repeatable).
  @Option(names = "--from-tahoe", paramLabel = "URL", required = true,
      description = "The Tahoe-LAFS client node's web API (http://HOST:PORT).")
  String url;

  @Parameters(index = "1", paramLabel = "DIRCAP", description = "The store's directory cap on the grid (or -).")
  String dircapArgument;

  @Override
  public Integer call() throws Exception {
    String dircap = dircapArgument.equals("-") ? readCap() : dircapArgument;
    Path target = store.toAbsolutePath().normalize();
    refuseExisting(target);
    Path parent = target.getParent();
    Files.createDirectories(parent);
    Path work = parent.resolve("." + target.getFileName() + ".restoring-"
        + Long.toHexString(ThreadLocalRandom.current().nextLong() >>> 1));
    Files.createDirectory(work, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
    Report rebuilt;
    Report check;
    try {
      TahoeRestore.fetch(url, dircap, work);
      Cancellation cancel = Interrupts.onSigint();
      TerminalProgress progress = new TerminalProgress();
      rebuilt = IndexRebuild.run(work, progress, cancel);
      try (MaintenanceStore m = MaintenanceStore.open(work)) {
        check = StructuralCheck.run(m, ProgressListener.NONE, cancel);
      }
      refuseExisting(target); // made by someone else meanwhile
      if (Files.isDirectory(target)) {
        Files.delete(target); // empty: the rename takes its place
      }
      Files.move(work, target, StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException | RuntimeException e) {
      deleteTree(work);
      if (e instanceof CancelledException) {
        System.err.println("restore: cancelled; nothing was made in " + store);
        return FsckCommand.CANCELLED;
      }
      throw e;
    }
    var f = rebuilt.figures();
    System.out.printf(Locale.ROOT, "restored %s from the grid: the file tree from the backup of %s, %d blocks from the"
        + " trailers of %d packs%n", store,
        f.containsKey("treeFromBackupTakenAt") ? java.time.Instant.ofEpochSecond(f.get("treeFromBackupTakenAt")) : "?",
        f.getOrDefault("blocksFromTrailers", 0L), f.getOrDefault("packsRead", 0L));
    if (!check.errors().isEmpty()) {
      System.err.printf(Locale.ROOT, "restore: the check of the restored store found %d error(s), the first: %s %s; see"
          + " chunkstore-fsck %s%n", check.errors().size(), check.errors().get(0).kind().name().toLowerCase(Locale.ROOT)
          .replace('_', ' '), check.errors().get(0).subject(), Errors.quoteIfNeeded(store.toString()));
      return FsckCommand.LEFT;
    }
    System.out.println("check: clean");
    return 0;
  }

  private static void refuseExisting(Path target) throws IOException {
    if (Files.exists(target) && !Files.isDirectory(target)) {
      throw new StoreException(target + " exists and is not a directory; restore makes a new store");
    }
    if (Files.isDirectory(target)) {
      try (Stream<Path> s = Files.list(target)) {
        if (s.findAny().isPresent()) {
          throw new StoreException(target + " is not empty; restore makes a new store in a new or empty directory");
        }
      }
    }
  }

  private static String readCap() throws IOException {
    BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.US_ASCII));
    String line = in.readLine();
    if (line == null || line.isBlank()) {
      throw new IllegalArgumentException("DIRCAP is -, but standard input holds no directory cap");
    }
    return line.strip();
  }

  private static void deleteTree(Path dir) {
    try (Stream<Path> s = Files.walk(dir)) {
      for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    } catch (IOException e) {
      System.err.println("restore: could not remove the unfinished store in " + dir + " (" + e.getMessage() + ")");
    }
  }
}
