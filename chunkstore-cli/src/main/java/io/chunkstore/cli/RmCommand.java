package io.chunkstore.cli;

import io.chunkstore.ChunkStore;
import io.chunkstore.FileInfo;
import java.io.IOException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "rm", mixinStandardHelpOptions = true,
    description = {"Remove files (and with -r, directories and what they hold) from an unmounted store, as rm does.",
        "Their blocks lose a reference at once; the space comes back at the next gc.",
        "Exit status 1 if anything could not be removed."})
final class RmCommand implements Callable<Integer> {
  @Parameters(index = "0", paramLabel = "STORE", description = "The store's directory.")
  Path store;

  @Parameters(index = "1..*", arity = "1..*", paramLabel = "PATH", description = "Paths inside the store.")
  List<String> paths;

  @Option(names = {"-r", "-R", "--recursive"}, description = "Remove directories and their contents.")
  boolean recursive;

  @Option(names = {"-d", "--dir"}, description = "Remove empty directories.")
  boolean emptyDirs;

  @Option(names = {"-f", "--force"}, description = "Ignore paths that do not exist.")
  boolean force;

  private int failures;

  @Override
  public Integer call() throws Exception {
    try (ChunkStore cs = FileOps.open(store, mp -> "rm " + (recursive ? "-r " : "")
        + String.join(" ", paths.stream().map(p -> FileOps.underMount(mp, p)).toList()))) {
      for (String p : paths) {
        String path;
        try {
          path = FileOps.storePath(p);
        } catch (NoSuchFileException e) {
          if (!force) {
            failed(p, e);
          }
          continue;
        }
        if (path.equals("/")) {
          failures++;
          System.err.println(recursive ? "rm: it is dangerous to operate recursively on '/'"
              : "rm: cannot remove '/': is a directory");
          continue;
        }
        try {
          FileInfo f = cs.stat(path);
          if (f.isDirectory() && !recursive && !emptyDirs) {
            throw new io.chunkstore.fs.IsDirectoryException(path);
          }
          remove(cs, f);
        } catch (NoSuchFileException e) {
          if (!force) {
            failed(path, e);
          }
        } catch (IOException e) {
          failed(path, e);
        }
      }
    }
    return failures == 0 ? 0 : 1;
  }

  private void remove(ChunkStore cs, FileInfo f) throws IOException {
    if (f.isDirectory() && recursive) {
      for (FileInfo child : cs.list(f.path())) {
        try {
          remove(cs, child);
        } catch (IOException e) {
          failed(child.path(), e);
        }
      }
    }
    cs.delete(f.path());
  }

  private void failed(String path, IOException e) {
    failures++;
    System.err.println("rm: cannot remove " + Errors.quote(path) + ": " + FileOps.reason(e));
  }
}
