package io.chunkstore.cli;

import io.chunkstore.ChunkStore;
import io.chunkstore.FileInfo;
import java.io.IOException;
import java.io.InputStream;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.UserDefinedFileAttributeView;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ThreadLocalRandom;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "get", mixinStandardHelpOptions = true,
    description = {"Copy a file or directory out of the store, keeping what put kept: modes (with setuid, setgid"
        + " and sticky bits), times to the nanosecond, owners (as root), symlinks, hard links, user.* extended"
        + " attributes, FIFOs, sockets and device nodes (devices as root), and holes.",
        "DEST is the new file or directory, an existing directory to put it in, or - for standard output.",
        "What is there already is left alone (exit 1) unless --force: then files are replaced and directories"
            + " merged into. A file that cannot be read is reported, the rest restored, and the exit status is 1."})
final class GetCommand implements Callable<Integer> {
  /** Runs of zeros this long, aligned, become holes; the block size of most file systems. */
  private static final int HOLE = 4096;

  @Parameters(index = "0", paramLabel = "STORE", description = "The store's directory.")
  Path store;

  @Parameters(index = "1", paramLabel = "PATH", description = "Path inside the store.")
  String path;

  @Parameters(index = "2", paramLabel = "DEST", description = "Where to write it.")
  Path dest;

  @Option(names = {"-f", "--force"}, description = "Replace files and merge into directories that exist already.")
  boolean force;

  private final boolean root = "root".equals(System.getProperty("user.name"));
  private int failures;
  /** The first name written of every file with more than one link, by its inode in the store. */
  private final Map<Long, Path> written = new HashMap<>();

  @picocli.CommandLine.Spec
  picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() throws Exception {
    if (path.isEmpty()) {
      throw new picocli.CommandLine.ParameterException(spec.commandLine(),
          "PATH is empty; an empty path names nothing (use / for the whole store)");
    }
    try (ChunkStore cs = Stores.open(store)) {
      FileInfo src = cs.stat(path);
      if (dest.toString().equals("-")) {
        if (!src.isFile()) {
          throw new IOException("only a regular file can be written to standard output; " + path + " is not one");
        }
        try (InputStream in = cs.newInputStream(src.path())) {
          in.transferTo(System.out);
        }
        System.out.flush();
        return 0;
      }
      boolean wholeStore = src.isDirectory() && src.path().replaceAll("/+$", "").isEmpty();
      Path target = dest;
      if (Files.isDirectory(dest) && !wholeStore) {
        String name = src.path().replaceAll("/+$", "");
        target = dest.resolve(name.substring(name.lastIndexOf('/') + 1));
      }
      Path parent = target.toAbsolutePath().getParent();
      if (parent != null && !Files.isDirectory(parent)) {
        throw new NoSuchFileException(parent.toString());
      }
      if (!force && occupied(target, wholeStore)) {
        throw new IOException(target + " already exists; get writes nothing over it unless --force"
            + " (which replaces files and merges into directories)");
      }
      long total = src.isDirectory() ? 0 : src.size();
      try (Progress progress = new Progress("get", total)) {
        if (src.isDirectory()) {
          copyOut(cs, src, target, progress);
        } else {
          copy(cs, src, target, progress); // one item: its failure is the command's, in one sentence
        }
      }
    }
    if (failures > 0) {
      System.err.printf("get: %d item(s) could not be restored; everything else is%n", failures);
      return 1;
    }
    return 0;
  }

  /** True if something is at {@code target}; for the whole store, an empty directory does not count. */
  private static boolean occupied(Path target, boolean wholeStore) throws IOException {
    if (!Files.exists(target, LinkOption.NOFOLLOW_LINKS)) {
      return false;
    }
    if (wholeStore && Files.isDirectory(target, LinkOption.NOFOLLOW_LINKS)) {
      try (Stream<Path> s = Files.list(target)) {
        return s.findAny().isPresent();
      }
    }
    return true;
  }

  /** Restores {@code src} at {@code target}; a failure is reported and counted, and the rest goes on. */
  private void copyOut(ChunkStore cs, FileInfo src, Path target, Progress progress) {
    try {
      copy(cs, src, target, progress);
    } catch (IOException e) {
      failures++;
      System.err.println("get: cannot restore " + src.path() + ": " + why(e));
    }
  }

  private void copy(ChunkStore cs, FileInfo src, Path target, Progress progress) throws IOException {
    if (!src.isDirectory() && src.links() > 1) {
      Path first = written.get(src.inode());
      if (first != null) {
        clear(target);
        Files.createLink(target, first);
        return;
      }
      written.put(src.inode(), target);
    }
    switch (src.type()) {
      case DIRECTORY -> {
        if (Files.exists(target, LinkOption.NOFOLLOW_LINKS) && !Files.isDirectory(target, LinkOption.NOFOLLOW_LINKS)) {
          Files.delete(target); // only with --force: the rest is refused before anything is written
        }
        if (!Files.isDirectory(target, LinkOption.NOFOLLOW_LINKS)) {
          Files.createDirectory(target);
        }
        for (FileInfo child : cs.list(src.path())) {
          copyOut(cs, child, target.resolve(child.path().substring(child.path().lastIndexOf('/') + 1)), progress);
        }
      }
      case SYMLINK -> {
        clear(target);
        Files.createSymbolicLink(target, Path.of(src.symlinkTarget()));
      }
      case FILE -> writeFile(cs, src, target, progress);
      case FIFO, SOCKET, CHARACTER_DEVICE, BLOCK_DEVICE -> {
        clear(target);
        Posix.mknod(target, src.type().modeBits() | src.permissions(), src.device());
      }
      default -> throw new IOException("not a file, directory, symlink or special file");
    }
    applyAttributes(cs, src, target);
  }

  private static String why(IOException e) {
    return e instanceof AccessDeniedException ? "permission denied"
        : e instanceof FileAlreadyExistsException f && f.getReason() == null ? "something is in the way at " + f.getFile()
        : Errors.sentence(e);
  }

  /** Makes room for a new entry at {@code target}; a directory there stays and fails the entry. */
  private static void clear(Path target) throws IOException {
    if (Files.isDirectory(target, LinkOption.NOFOLLOW_LINKS)) {
      throw new FileAlreadyExistsException(target.toString(), null, "is a directory");
    }
    Files.deleteIfExists(target);
  }

  /**
   * Writes the file's content to a temporary name beside {@code target} and renames it into
   * place, so that a failed read leaves nothing behind and an existing file is replaced whole.
   * Aligned runs of zeros are skipped, so holes stay holes. The temporary name is short, so it
   * fits beside any legal name.
   */
  private static void writeFile(ChunkStore cs, FileInfo src, Path target, Progress progress) throws IOException {
    if (Files.isDirectory(target, LinkOption.NOFOLLOW_LINKS)) {
      throw new FileAlreadyExistsException(target.toString(), null, "is a directory");
    }
    Path tmp = target.resolveSibling(".chunkstore-" + Long.toHexString(ThreadLocalRandom.current().nextLong()) + ".tmp");
    try (InputStream in = progress.count(cs.newInputStream(src.path()));
        RandomAccessFile out = new RandomAccessFile(tmp.toFile(), "rw")) {
      FileChannel ch = out.getChannel();
      byte[] buf = new byte[1 << 20];
      long pos = 0;
      int n;
      while ((n = in.readNBytes(buf, 0, buf.length)) > 0) {
        int off = 0;
        while (off < n) {
          int dataEnd = off;
          while (dataEnd < n && !isZero(buf, dataEnd, Math.min(HOLE, n - dataEnd))) {
            dataEnd += Math.min(HOLE, n - dataEnd);
          }
          if (dataEnd > off) {
            ByteBuffer bb = ByteBuffer.wrap(buf, off, dataEnd - off);
            long at = pos + off;
            while (bb.hasRemaining()) {
              at += ch.write(bb, at);
            }
          }
          off = dataEnd;
          while (off < n && isZero(buf, off, Math.min(HOLE, n - off))) {
            off += Math.min(HOLE, n - off);
          }
        }
        pos += n;
      }
      out.setLength(pos);
    } catch (IOException | RuntimeException e) {
      Files.deleteIfExists(tmp);
      throw e;
    }
    Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
  }

  private static boolean isZero(byte[] b, int off, int len) {
    for (int i = off; i < off + len; i++) {
      if (b[i] != 0) {
        return false;
      }
    }
    return true;
  }

  /** Owner first (chown clears setuid and setgid), then the mode, xattrs, and times last. */
  private void applyAttributes(ChunkStore cs, FileInfo src, Path target) throws IOException {
    boolean symlink = src.type() == FileInfo.Type.SYMLINK;
    if (root) {
      Files.setAttribute(target, "unix:uid", src.uid(), LinkOption.NOFOLLOW_LINKS);
      Files.setAttribute(target, "unix:gid", src.gid(), LinkOption.NOFOLLOW_LINKS);
    }
    if (!symlink) {
      Files.setAttribute(target, "unix:mode", src.permissions());
      copyXattrs(cs, src, target);
    }
    Posix.setTimes(target, nanos(src.accessed()), nanos(src.modified()));
  }

  /** Restores the {@code user.*} extended attributes; other namespaces need privileges Java lacks. */
  private static void copyXattrs(ChunkStore cs, FileInfo src, Path target) throws IOException {
    java.util.List<String> names = cs.xattrNames(src.path());
    if (names.isEmpty()) {
      return;
    }
    UserDefinedFileAttributeView v = Files.getFileAttributeView(target, UserDefinedFileAttributeView.class);
    for (String name : names) {
      if (name.startsWith("user.")) {
        v.write(name.substring("user.".length()), ByteBuffer.wrap(cs.xattr(src.path(), name)));
      }
    }
  }

  private static long nanos(java.time.Instant t) {
    return t.getEpochSecond() * 1_000_000_000L + t.getNano();
  }
}
