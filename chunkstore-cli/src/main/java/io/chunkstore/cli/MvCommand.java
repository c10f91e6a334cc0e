package io.chunkstore.cli;

import io.chunkstore.ChunkStore;
import io.chunkstore.FileInfo;
import io.chunkstore.fs.InvalidOperationException;
import io.chunkstore.fs.IsDirectoryException;
import java.io.IOException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

@Command(name = "mv", mixinStandardHelpOptions = true,
    description = {"Move or rename files and directories inside an unmounted store, as mv does: into TO if it is a"
        + " directory, else to TO, replacing a file (or an empty directory) there. Exit status 1 on any failure."})
final class MvCommand implements Callable<Integer> {
  @Parameters(index = "0", paramLabel = "STORE", description = "The store's directory.")
  Path store;

  @Parameters(index = "1..*", arity = "2..*", paramLabel = "FROM... TO", description = "What to move, and where.")
  List<String> args;

  @Override
  public Integer call() throws Exception {
    List<String> from = args.subList(0, args.size() - 1);
    String to = FileOps.storePath(args.get(args.size() - 1));
    int failures = 0;
    try (ChunkStore cs = FileOps.open(store, mp -> "mv " + String.join(" ",
        args.stream().map(p -> FileOps.underMount(mp, p)).toList()))) {
      boolean intoDir = cs.exists(to) && cs.stat(to).isDirectory();
      if (from.size() > 1 && !intoDir) {
        System.err.println("mv: target " + Errors.quote(to) + " is not a directory");
        return 1;
      }
      for (String f : from) {
        String src;
        try {
          src = FileOps.storePath(f);
        } catch (NoSuchFileException e) {
          failures++;
          System.err.println("mv: cannot stat '': no such file or directory");
          continue;
        }
        String dst = intoDir && !src.equals(to) ? (to.equals("/") ? "" : to) + "/" + FileOps.name(src) : to;
        try {
          move(cs, src, dst);
        } catch (IOException e) {
          failures++;
          System.err.println("mv: " + e.getMessage());
        }
      }
    }
    return failures == 0 ? 0 : 1;
  }

  /** Moves one entry; failures carry the whole message after "mv: ". */
  private static void move(ChunkStore cs, String src, String dst) throws IOException {
    FileInfo moving;
    try {
      moving = cs.stat(src);
    } catch (NoSuchFileException | NotDirectoryException e) {
      throw new IOException("cannot stat " + Errors.quote(src) + ": " + FileOps.reason(e));
    }
    if (src.equals("/")) {
      throw new IOException("cannot move " + Errors.quote(src) + ": the root directory cannot be moved");
    }
    if (moving.isDirectory() && (dst + "/").startsWith(src + "/") && !dst.equals(src)) {
      throw new IOException("cannot move " + Errors.quote(src) + " to a subdirectory of itself, " + Errors.quote(dst));
    }
    if (cs.exists(dst)) {
      FileInfo there = cs.stat(dst);
      if (there.inode() == moving.inode() && !src.equals(dst)) {
        throw new IOException(Errors.quote(src) + " and " + Errors.quote(dst) + " are the same file");
      }
      if (there.isDirectory() && !moving.isDirectory()) {
        throw new IOException("cannot overwrite directory " + Errors.quote(dst) + " with non-directory");
      }
      if (!there.isDirectory() && moving.isDirectory()) {
        throw new IOException("cannot overwrite non-directory " + Errors.quote(dst) + " with directory "
            + Errors.quote(src));
      }
    }
    try {
      cs.rename(src, dst);
    } catch (DirectoryNotEmptyException | NoSuchFileException | NotDirectoryException | IsDirectoryException
        | InvalidOperationException e) {
      throw new IOException("cannot move " + Errors.quote(src) + " to " + Errors.quote(dst) + ": " + FileOps.reason(e));
    }
  }
}
