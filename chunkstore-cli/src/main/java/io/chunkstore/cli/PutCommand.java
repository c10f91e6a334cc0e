package io.chunkstore.cli;

import io.chunkstore.ChunkStore;
import io.chunkstore.FileInfo;
import io.chunkstore.StoreStats;
import io.chunkstore.Attributes;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.UserDefinedFileAttributeView;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicInteger;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "put", mixinStandardHelpOptions = true,
    description = {"Copy files and directories into the store, recursively, keeping what cp -a keeps: modes"
        + " (with setuid, setgid and sticky bits), owners, times to the nanosecond, symlinks, hard links,"
        + " user.* extended attributes, FIFOs, sockets and device nodes, and holes.",
        "SRC goes to PATH/<name of SRC>; a file already there is replaced, a directory there is merged into."})
final class PutCommand implements Callable<Integer> {
  @Parameters(index = "0", paramLabel = "STORE", description = "The store's directory.")
  Path store;

  @Parameters(index = "1..*", arity = "1..*", paramLabel = "SRC", description = "Files or directories to copy in.")
  List<Path> sources;

  @Option(names = "--to", paramLabel = "PATH", defaultValue = "/",
      description = "Directory in the store to put them in, created if missing (default: /).")
  String to;

  @Option(names = {"-q", "--quiet"}, description = "Print nothing but errors (no progress bar either).")
  boolean quiet;

  private final AtomicInteger failures = new AtomicInteger();
  /** Set when the put stops for a reason of its own; the files it interrupts are not reported. */
  private volatile boolean aborted;
  /**
   * What this put has placed, or is placing, at each store path: true for a directory. Files are
   * imported in the background and become visible in groups, so a later source that would put a
   * directory where an earlier one put a file (or the other way round) is refused here, before
   * anything of it is stored.
   */
  private final Map<String, Boolean> claimed = new ConcurrentHashMap<>();
  /**
   * Directories this put created: nothing in the store can be under them but what this put
   * placed, which {@link #claimed} knows, so the files in them need no lookup in the store. Only
   * the walking thread uses it (and {@link #claimed}'s checks), so a plain set does.
   */
  private final Set<String> created = new HashSet<>();
  /** The first store path of every source file with more than one link, by its file key. */
  private final Map<Object, String> linked = new HashMap<>();
  /** Done once every file is imported, in order: hard links, xattrs, then directory times. */
  private final List<Step> links = new ArrayList<>();
  private final List<Step> xattrs = java.util.Collections.synchronizedList(new ArrayList<>());
  private final List<Step> dirTimes = new ArrayList<>();

  /** Something done to the store after the files are in. */
  @FunctionalInterface
  private interface Step {
    void run() throws IOException;
  }

  @Override
  public Integer call() throws Exception {
    Path storeReal = store.toRealPath();
    List<Path> present = new ArrayList<>();
    for (Path src : sources) {
      if (!Files.exists(src, LinkOption.NOFOLLOW_LINKS)) {
        fail(src, new NoSuchFileException(src.toString()));
      } else if (overlapsStore(src, storeReal) != null) {
        failures.incrementAndGet();
        System.err.println("put: cannot copy " + src + ": " + overlapsStore(src, storeReal));
      } else {
        present.add(src);
      }
    }
    if (present.isEmpty()) {
      return 1;
    }
    StoreStats after;
    long read;
    double secs;
    // The bar's end takes a walk of its own: only when someone watches.
    boolean showProgress = !quiet && Progress.onTerminal();
    try (ChunkStore cs = Stores.open(store);
        Progress progress = showProgress ? new Progress("put", sizeOf(present)) : Progress.silent()) {
      String base = to.endsWith("/") ? to : to + "/";
      cs.mkdirs(base);
      // Small files are one chunk each: a few of them at once keep both cores busy.
      int parallel = Math.max(2, Runtime.getRuntime().availableProcessors());
      ExecutorService files = Executors.newFixedThreadPool(parallel);
      Semaphore slots = new Semaphore(parallel * 4);
      List<Future<?>> pending = new ArrayList<>();
      try {
        for (Path src : present) {
          Path root = src.toAbsolutePath().normalize();
          String rootName = root.getFileName() == null ? "" : root.getFileName().toString();
          walk(cs, root, base + rootName, progress, files, slots, pending);
        }
        for (Future<?> f : pending) {
          f.get();
        }
        secs = progress.seconds();
      } catch (Exception | Error e) {
        // Out of memory, say: that is the one thing to report, not the imports it interrupts.
        aborted = true;
        if (Errors.outOfMemory(e)) {
          // Said now, before the store closes: a close under this memory pressure may not live to
          // the launcher's handler (a native allocation that fails aborts the JVM).
          System.err.println("put: " + Errors.sentence(e));
          System.err.flush();
          throw new Errors.Reported(e);
        }
        throw e;
      } finally {
        files.shutdownNow();
      }
      // Links and xattrs need their files visible; directory times last, as adding entries changed them.
      for (Step s : links) {
        s.run();
      }
      for (Step s : xattrs) {
        s.run();
      }
      for (int i = dirTimes.size() - 1; i >= 0; i--) {
        dirTimes.get(i).run();
      }
      cs.flush();
      after = cs.stats();
      read = progress.bytes();
    }
    // Like the progress bar: on a terminal only, so that scripts and pipes get nothing but errors.
    if (showProgress) {
      System.out.printf(Locale.ROOT, "read %s in %.2f s (%s/s); the store now holds %s in %s%n",
          Sizes.human(read), secs, Sizes.human((long) (read / Math.max(secs, 1e-3))), Sizes.human(after.logicalBytes()),
          Sizes.human(after.storedBytes()));
    }
    if (failures.get() > 0) {
      System.err.printf("put: %d item(s) could not be copied; everything else is stored%n", failures.get());
      return 1;
    }
    return 0;
  }

  /** Why {@code src} cannot be put into the store at {@code storeReal}, or null if it can. */
  private static String overlapsStore(Path src, Path storeReal) throws IOException {
    Path s = src.toRealPath(LinkOption.NOFOLLOW_LINKS);
    if (s.equals(storeReal)) {
      return "it is the store itself";
    }
    if (s.startsWith(storeReal)) {
      return "it is inside the store " + storeReal;
    }
    if (storeReal.startsWith(s) && Files.isDirectory(s, LinkOption.NOFOLLOW_LINKS)) {
      return "it contains the store " + storeReal + "; put what is beside it instead";
    }
    return null;
  }

  private void walk(ChunkStore cs, Path root, String target, Progress progress, ExecutorService files,
      Semaphore slots, List<Future<?>> pending) throws IOException {
    Files.walkFileTree(root, new SimpleFileVisitor<>() {
      @Override
      public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes a) throws IOException {
        String dst = storePath(root, dir, target);
        if (!claim(cs, dst, true, dir)) {
          return FileVisitResult.SKIP_SUBTREE;
        }
        try {
          Attributes attrs = attributesOf(dir);
          if (!cs.exists(dst)) {
            cs.mkdir(dst, attrs);
            created.add(dst);
          }
          copyXattrs(cs, dir, dst, xattrNames(dir));
          dirTimes.add(() -> {
            try {
              cs.setAttributes(dst, attrs);
            } catch (IOException e) {
              fail(dir, e);
            }
          });
        } catch (IOException e) {
          fail(dir, e);
          return FileVisitResult.SKIP_SUBTREE;
        }
        return FileVisitResult.CONTINUE;
      }

      @Override
      public FileVisitResult visitFile(Path file, BasicFileAttributes a) throws IOException {
        String dst = storePath(root, file, target);
        if (!claim(cs, dst, false, file)) {
          return FileVisitResult.CONTINUE;
        }
        Map<String, Object> unix; // one stat for the link count, the mode and the attributes
        try {
          unix = Files.readAttributes(file, UNIX_ATTRIBUTES, LinkOption.NOFOLLOW_LINKS);
        } catch (IOException e) {
          fail(file, e);
          return FileVisitResult.CONTINUE;
        }
        Attributes attrs = attributesOf(unix);
        try {
          if (!a.isDirectory() && a.fileKey() != null && (Integer) unix.get("nlink") > 1) {
            String first = linked.putIfAbsent(a.fileKey(), dst);
            if (first != null && first.equals(dst)) {
              return FileVisitResult.CONTINUE; // the same file again at the same place (put S d d)
            }
            if (first != null) {
              links.add(() -> {
                try {
                  replaceable(cs, dst);
                  cs.link(first, dst);
                } catch (IOException e) {
                  fail(file, e);
                }
              });
              return FileVisitResult.CONTINUE;
            }
          }
          if (a.isSymbolicLink()) {
            String link = Files.readSymbolicLink(file).toString();
            replaceable(cs, dst);
            cs.symlink(dst, link, attrs);
            return FileVisitResult.CONTINUE;
          }
          if (a.isOther()) {
            long rdev = (Long) Files.getAttribute(file, "unix:rdev", LinkOption.NOFOLLOW_LINKS);
            replaceable(cs, dst);
            cs.makeNode(dst, FileInfo.Type.ofMode((Integer) unix.get("mode")), rdev, attrs);
            return FileVisitResult.CONTINUE;
          }
        } catch (IOException e) {
          fail(file, e);
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
            cs.importFile(dst, progress.count(in), attrs);
            List<String> names = xattrNames(file);
            if (!names.isEmpty()) {
              xattrs.add(() -> copyXattrs(cs, file, dst, names));
            }
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

  /**
   * Claims {@code dst} for a directory or for something else; false (reported) if the store or an
   * earlier source of this put has the other kind there, so that nothing of {@code src} is stored.
   */
  private boolean claim(ChunkStore cs, String dst, boolean directory, Path src) throws IOException {
    Boolean there = claimed.get(dst);
    if (there == null && !created.contains(parentOf(dst))) {
      try {
        there = cs.stat(dst).isDirectory();
      } catch (NoSuchFileException | NotDirectoryException absent) {
        there = null;
      }
    }
    if (there != null && there != directory) {
      failures.incrementAndGet();
      System.err.println("put: cannot copy " + src + ": " + dst + " in the store is "
          + (there ? "a directory" : "not a directory") + ", and " + src + " is "
          + (directory ? "one" : "not one") + "; nothing of it was stored");
      return false;
    }
    claimed.put(dst, directory);
    return true;
  }

  /** Removes what is at {@code dst} so that a symlink, node or link can take its place. */
  private static void replaceable(ChunkStore cs, String dst) throws IOException {
    if (cs.exists(dst)) {
      cs.delete(dst);
    }
  }

  private static String parentOf(String storePath) {
    int slash = storePath.lastIndexOf('/');
    return slash <= 0 ? "/" : storePath.substring(0, slash);
  }

  /** The names of {@code p}'s {@code user.*} extended attributes (without "user."); none where its file system has none. */
  private static List<String> xattrNames(Path p) throws IOException {
    UserDefinedFileAttributeView v = Files.getFileAttributeView(p, UserDefinedFileAttributeView.class);
    if (v == null) {
      return List.of();
    }
    try {
      return v.list();
    } catch (java.nio.file.FileSystemException unsupported) {
      return List.of();
    }
  }

  /** Copies the {@code user.*} extended attributes {@code names} (the ones a process may set on its files). */
  private void copyXattrs(ChunkStore cs, Path src, String dst, List<String> names) {
    if (names.isEmpty()) {
      return;
    }
    UserDefinedFileAttributeView v = Files.getFileAttributeView(src, UserDefinedFileAttributeView.class);
    try {
      for (String name : names) {
        ByteBuffer buf = ByteBuffer.allocate(v.size(name));
        v.read(name, buf);
        cs.setXattr(dst, "user." + name, java.util.Arrays.copyOf(buf.array(), buf.position()));
      }
    } catch (IOException e) {
      fail(src, e);
    }
  }

  private void fail(Path file, IOException e) {
    failures.incrementAndGet();
    if (aborted) {
      return;
    }
    String why = e instanceof java.nio.file.AccessDeniedException ? "permission denied"
        : e instanceof NoSuchFileException ? "no such file or directory" : Errors.sentence(e);
    System.err.println("put: cannot copy " + file + ": " + why);
  }

  private static String storePath(Path root, Path p, String target) {
    Path rel = root.relativize(p);
    String r = rel.toString();
    return r.isEmpty() ? target : target + "/" + r.replace(java.io.File.separatorChar, '/');
  }

  private static final String UNIX_ATTRIBUTES = "unix:mode,uid,gid,nlink,lastModifiedTime,lastAccessTime";

  private static Attributes attributesOf(Path p) throws IOException {
    return attributesOf(Files.readAttributes(p, UNIX_ATTRIBUTES, LinkOption.NOFOLLOW_LINKS));
  }

  private static Attributes attributesOf(Map<String, Object> a) {
    return new Attributes((Integer) a.get("mode") & 07777, (Integer) a.get("uid"), (Integer) a.get("gid"),
        toNanos((java.nio.file.attribute.FileTime) a.get("lastModifiedTime")),
        toNanos((java.nio.file.attribute.FileTime) a.get("lastAccessTime")));
  }

  private static long toNanos(java.nio.file.attribute.FileTime t) {
    java.time.Instant i = t.toInstant();
    return i.getEpochSecond() * 1_000_000_000L + i.getNano();
  }

  /** The bytes of the regular files under {@code sources}: the progress bar's end. A walk of its own. */
  private static long sizeOf(List<Path> sources) throws IOException {
    long total = 0;
    for (Path src : sources) {
      total += sizeOf(src);
    }
    return total;
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
