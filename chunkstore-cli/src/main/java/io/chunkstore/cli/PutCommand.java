package io.chunkstore.cli;

import io.chunkstore.ChunkStore;
import io.chunkstore.StoreStats;
import io.chunkstore.fs.Attributes;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicInteger;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "put", mixinStandardHelpOptions = true,
    description = {"Copy files and directories into the store, recursively, keeping modes, owners and times.",
        "SRC goes to PATH/<name of SRC>; a file already there is replaced."})
final class PutCommand implements Callable<Integer> {
  @Parameters(index = "0", paramLabel = "STORE", description = "The store's directory.")
  Path store;

  @Parameters(index = "1..*", arity = "1..*", paramLabel = "SRC", description = "Files or directories to copy in.")
  List<Path> sources;

  @Option(names = "--to", paramLabel = "PATH", defaultValue = "/",
      description = "Directory in the store to put them in, created if missing (default: /).")
  String to;

  @Option(names = {"-q", "--quiet"}, description = "Print nothing but errors.")
  boolean quiet;

  private final AtomicInteger failures = new AtomicInteger();

  @Override
  public Integer call() throws Exception {
    List<Path> present = new ArrayList<>();
    for (Path src : sources) {
      if (Files.exists(src, LinkOption.NOFOLLOW_LINKS)) {
        present.add(src);
      } else {
        fail(src, new java.nio.file.NoSuchFileException(src.toString()));
      }
    }
    if (present.isEmpty()) {
      return 1;
    }
    long total = 0;
    for (Path src : present) {
      total += sizeOf(src);
    }
    long start = System.nanoTime();
    StoreStats after;
    long read;
    try (ChunkStore cs = Stores.open(store);
        Progress progress = new Progress("put", total)) {
      String base = to.endsWith("/") ? to : to + "/";
      cs.mkdirs(base);
      // Small files are one chunk each: a few of them at once keep both cores busy.
      int parallel = Math.max(2, Runtime.getRuntime().availableProcessors());
      ExecutorService files = Executors.newFixedThreadPool(parallel);
      Semaphore slots = new Semaphore(parallel * 4);
      List<Future<?>> pending = new ArrayList<>();
      List<Runnable> dirTimes = new ArrayList<>();
      try {
        for (Path src : present) {
          Path root = src.toAbsolutePath().normalize();
          String rootName = root.getFileName() == null ? "" : root.getFileName().toString();
          walk(cs, root, base + rootName, progress, files, slots, pending, dirTimes);
        }
        for (Future<?> f : pending) {
          f.get();
        }
      } finally {
        files.shutdownNow();
      }
      // Directory times last: adding entries changed them.
      for (int i = dirTimes.size() - 1; i >= 0; i--) {
        dirTimes.get(i).run();
      }
      cs.flush();
      after = cs.stats();
      read = progress.bytes();
    }
    double secs = (System.nanoTime() - start) / 1e9;
    if (!quiet) {
      System.out.printf(Locale.ROOT, "read %s in %.2f s (%.0f MiB/s); the store now holds %s in %s%n",
          Sizes.human(read), secs, read / secs / (1 << 20), Sizes.human(after.logicalBytes()),
          Sizes.human(after.storedBytes()));
    }
    if (failures.get() > 0) {
      System.err.printf("put: %d item(s) could not be copied; everything else is stored%n", failures.get());
      return 1;
    }
    return 0;
  }

  private void walk(ChunkStore cs, Path root, String target, Progress progress, ExecutorService files,
      Semaphore slots, List<Future<?>> pending, List<Runnable> dirTimes) throws IOException {
    Files.walkFileTree(root, new SimpleFileVisitor<>() {
      @Override
      public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes a) throws IOException {
        String dst = storePath(root, dir, target);
        Attributes attrs = attributesOf(dir);
        if (!cs.exists(dst)) {
          cs.mkdir(dst, attrs);
        }
        dirTimes.add(() -> {
          try {
            cs.setAttributes(dst, attrs);
          } catch (IOException e) {
            fail(dir, e);
          }
        });
        return FileVisitResult.CONTINUE;
      }

      @Override
      public FileVisitResult visitFile(Path file, BasicFileAttributes a) throws IOException {
        String dst = storePath(root, file, target);
        if (a.isSymbolicLink()) {
          try {
            String link = Files.readSymbolicLink(file).toString();
            if (cs.exists(dst)) {
              cs.delete(dst);
            }
            cs.symlink(dst, link, attributesOf(file));
          } catch (IOException e) {
            fail(file, e);
          }
          return FileVisitResult.CONTINUE;
        }
        if (!a.isRegularFile()) {
          System.err.println("put: skipping " + file + ": not a regular file, directory or symlink");
          return FileVisitResult.CONTINUE;
        }
        try {
          slots.acquire();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new java.io.InterruptedIOException();
        }
        pending.add(files.submit(() -> {
          try (InputStream in = Files.newInputStream(file)) {
            cs.importFile(dst, progress.count(in), attributesOf(file));
          } catch (IOException e) {
            fail(file, e);
          } finally {
            slots.release();
          }
          return null;
        }));
        return FileVisitResult.CONTINUE;
      }

      @Override
      public FileVisitResult visitFileFailed(Path file, IOException e) {
        fail(file, e);
        return FileVisitResult.CONTINUE;
      }
    });
  }

  private void fail(Path file, IOException e) {
    failures.incrementAndGet();
    String why = e instanceof java.nio.file.AccessDeniedException ? "permission denied"
        : e instanceof java.nio.file.NoSuchFileException ? "no such file or directory" : Errors.sentence(e);
    System.err.println("put: cannot copy " + file + ": " + why);
  }

  private static String storePath(Path root, Path p, String target) {
    Path rel = root.relativize(p);
    String r = rel.toString();
    return r.isEmpty() ? target : target + "/" + r.replace(java.io.File.separatorChar, '/');
  }

  private static Attributes attributesOf(Path p) throws IOException {
    PosixFileAttributes a = Files.readAttributes(p, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
    int perms = 0;
    for (PosixFilePermission perm : a.permissions()) {
      perms |= 1 << (8 - perm.ordinal());
    }
    int uid = (Integer) Files.getAttribute(p, "unix:uid", LinkOption.NOFOLLOW_LINKS);
    int gid = (Integer) Files.getAttribute(p, "unix:gid", LinkOption.NOFOLLOW_LINKS);
    int mode = (Integer) Files.getAttribute(p, "unix:mode", LinkOption.NOFOLLOW_LINKS);
    long mtime = toNanos(a.lastModifiedTime());
    long atime = toNanos(a.lastAccessTime());
    return new Attributes(mode & 07777 | perms, uid, gid, mtime, atime);
  }

  private static long toNanos(java.nio.file.attribute.FileTime t) {
    java.time.Instant i = t.toInstant();
    return i.getEpochSecond() * 1_000_000_000L + i.getNano();
  }

  private static long sizeOf(Path src) throws IOException {
    if (!Files.isDirectory(src, LinkOption.NOFOLLOW_LINKS)) {
      return Files.isRegularFile(src, LinkOption.NOFOLLOW_LINKS) ? Files.size(src) : 0;
    }
    long[] sum = {0};
    Files.walkFileTree(src, new SimpleFileVisitor<>() {
      @Override
      public FileVisitResult visitFile(Path file, BasicFileAttributes a) {
        if (a.isRegularFile()) {
          sum[0] += a.size();
        }
        return FileVisitResult.CONTINUE;
      }

      @Override
      public FileVisitResult visitFileFailed(Path file, IOException e) {
        return FileVisitResult.CONTINUE;
      }
    });
    return sum[0];
  }
}
