package io.chunkstore.fuse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import io.chunkstore.ChunkStore;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.FileSystemException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A randomized lockstep test: a few hundred random operations (create, write at random offsets,
 * append, truncate, rename, unlink, mkdir, rmdir, symlink, link, chmod, read) are applied with
 * java.nio.file to the mount and to a plain local directory. Each must have the same outcome on
 * both — success, or the same exception and reason — and both trees must end up identical: names,
 * types, sizes, contents, symlink targets, permissions, link counts. Then the store is unmounted
 * and mounted again and the trees must still be identical.
 *
 * <p>Seeded; rerun a failure with {@code -Dchunkstore.model.seed=N}.
 */
class ModelTest extends MountTestBase {
  private static final int STEPS = 600;
  private static final String[] PREFIXES = {"", "", "a/", "b/", "a/c/"};
  private static final String[] NAMES = {"f0", "f1", "f2", "f3", "a", "b", "c", "s0", "s1"};
  private static final String[] TARGETS = {"f0", "f1", "a", "c/f2", "nowhere", "s0", "s1"};
  private static final String[] MODES = {"rw-r--r--", "rw-------", "rwxr-xr-x", "rwx------", "r--r--r--",
      "rw-rw-rw-", "---------"};

  @BeforeEach
  void mount() throws Exception {
    mount = MountedStore.create(tmp.resolve("fuse"), io.chunkstore.StoreConfig.defaults(), MountedStore.strictOptions());
  }

  /** One operation with all of its random choices made, so that it does the same on both sides. */
  private record Op(String kind, String path, String other, long number, byte[] data) {
    String describe() {
      return kind + " " + path + (other == null ? "" : " " + other) + (kind.matches("write-at|truncate|chmod")
          ? " " + number : "") + (data == null ? "" : " (" + data.length + " bytes)");
    }

    String apply(Path root) throws IOException {
      Path p = root.resolve(path);
      switch (kind) {
        case "write-file" -> Files.write(p, data);
        case "write-at" -> {
          try (FileChannel ch = FileChannel.open(p, StandardOpenOption.WRITE)) {
            ch.write(ByteBuffer.wrap(data), number);
          }
        }
        case "append" -> Files.write(p, data, StandardOpenOption.APPEND);
        case "truncate" -> {
          try (RandomAccessFile f = new RandomAccessFile(p.toFile(), "rw")) {
            f.setLength(number);
          }
        }
        case "rename" -> Files.move(p, root.resolve(other), StandardCopyOption.ATOMIC_MOVE);
        case "rename-replace" -> Files.move(p, root.resolve(other), StandardCopyOption.REPLACE_EXISTING);
        case "rename-noreplace" -> Files.move(p, root.resolve(other));
        case "delete" -> Files.delete(p);
        case "mkdir" -> Files.createDirectory(p);
        case "symlink" -> Files.createSymbolicLink(p, Path.of(other));
        case "link" -> Files.createLink(p, root.resolve(other));
        case "chmod" -> Files.setPosixFilePermissions(p, PosixFilePermissions.fromString(MODES[(int) number]));
        case "read" -> {
          return sha(Files.readAllBytes(p));
        }
        case "list" -> {
          try (var s = Files.list(p)) {
            return s.map(x -> x.getFileName().toString()).sorted().toList().toString();
          }
        }
        default -> throw new IllegalStateException(kind);
      }
      return "";
    }
  }

  @Test
  void randomOperationsAgreeWithALocalFileSystemAndSurviveARemount() throws Exception {
    long seed = Long.getLong("chunkstore.model.seed", 20240601L);
    Random r = new Random(seed);
    byte[][] pool = new byte[4][];
    for (int i = 0; i < pool.length; i++) {
      pool[i] = new byte[512 << 10];
      r.nextBytes(pool[i]);
      for (int j = 0; j < pool[i].length / 2; j++) {
        pool[i][j] = (byte) (j % 251 / 50); // a compressible half
      }
    }
    Path plain = Files.createDirectory(tmp.resolve("plain"));
    Path fuse = mount.mountPoint();
    for (String d : List.of("a", "b", "a/c")) {
      Files.createDirectory(plain.resolve(d));
      Files.createDirectory(fuse.resolve(d));
    }
    List<String> log = new ArrayList<>();
    for (int step = 0; step < STEPS; step++) {
      Op op = randomOp(r, pool);
      String expected = outcome(op, plain);
      String actual = outcome(op, fuse);
      log.add(step + ": " + op.describe() + " -> " + expected);
      if (!expected.equals(actual)) {
        fail("step " + step + " (seed " + seed + "): " + op.describe() + "\n  local: " + expected + "\n  mount: "
            + actual + "\nthe steps before:\n" + String.join("\n", log.subList(Math.max(0, log.size() - 30),
            log.size())));
      }
      if (step % 100 == 99) {
        compareTrees(plain, fuse, "after step " + step + " (seed " + seed + ")");
      }
    }
    compareTrees(plain, fuse, "after " + STEPS + " steps (seed " + seed + ")");
    java.util.Map<String, Long> summary = new java.util.TreeMap<>();
    for (String line : log) {
      String result = line.substring(line.indexOf(" -> ") + 4);
      summary.merge(line.split(" ")[1] + " " + (result.startsWith("OK") ? "OK" : result), 1L, Long::sum);
    }
    System.out.println("ModelTest seed " + seed + " outcomes: " + summary);

    mount.close();
    try (ChunkStore s = ChunkStore.open(mount.store())) {
      FuseTests.assertRefcountsMatchExtents(s);
    }
    mount = mount.remount(MountedStore.strictOptions());
    compareTrees(plain, mount.mountPoint(), "after a remount (seed " + seed + ")");
  }

  private static Op randomOp(Random r, byte[][] pool) {
    String path = randomPath(r);
    int k = r.nextInt(100);
    if (k < 14) {
      return new Op("write-file", path, null, 0, data(r, pool));
    } else if (k < 26) {
      return new Op("write-at", path, null, r.nextInt(400_000), data(r, pool));
    } else if (k < 32) {
      return new Op("append", path, null, 0, data(r, pool));
    } else if (k < 40) {
      long size = r.nextBoolean() ? r.nextInt(1000) : r.nextInt(600_000);
      return new Op("truncate", path, null, size, null);
    } else if (k < 48) {
      String[] kinds = {"rename", "rename-replace", "rename-noreplace"};
      return new Op(kinds[r.nextInt(kinds.length)], path, randomPath(r), 0, null);
    } else if (k < 56) {
      return new Op("delete", path, null, 0, null);
    } else if (k < 63) {
      return new Op("mkdir", path, null, 0, null);
    } else if (k < 69) {
      return new Op("symlink", path, TARGETS[r.nextInt(TARGETS.length)], 0, null);
    } else if (k < 76) {
      return new Op("link", path, randomPath(r), 0, null);
    } else if (k < 84) {
      return new Op("chmod", path, null, r.nextInt(MODES.length), null);
    } else if (k < 95) {
      return new Op("read", path, null, 0, null);
    } else {
      return new Op("list", PREFIXES[r.nextInt(PREFIXES.length)], null, 0, null);
    }
  }

  private static String randomPath(Random r) {
    return PREFIXES[r.nextInt(PREFIXES.length)] + NAMES[r.nextInt(NAMES.length)];
  }

  private static byte[] data(Random r, byte[][] pool) {
    int len = r.nextInt(4) == 0 ? r.nextInt(100) : r.nextInt(300_000);
    if (r.nextInt(3) == 0) {
      byte[] b = new byte[len];
      r.nextBytes(b);
      return b;
    }
    byte[] src = pool[r.nextInt(pool.length)];
    int from = r.nextInt(src.length - len + 1);
    byte[] b = new byte[len];
    System.arraycopy(src, from, b, 0, len);
    return b;
  }

  /** "OK ..." or the exception's class and the system's reason, without the paths. */
  private static String outcome(Op op, Path root) {
    try {
      return "OK " + op.apply(root);
    } catch (FileSystemException e) {
      return e.getClass().getSimpleName() + ": " + e.getReason();
    } catch (FileNotFoundException e) {
      String m = String.valueOf(e.getMessage());
      int paren = m.lastIndexOf(" (");
      return "FileNotFoundException" + (paren < 0 ? "" : ": " + m.substring(paren + 2, m.length() - 1));
    } catch (IOException | RuntimeException e) {
      return e.getClass().getSimpleName() + ": " + String.valueOf(e.getMessage()).replace(root.toString(), "<root>");
    }
  }

  private static void compareTrees(Path expectedRoot, Path actualRoot, String when) throws IOException {
    List<String> expected = describeTree(expectedRoot);
    List<String> actual = describeTree(actualRoot);
    if (!expected.equals(actual)) {
      fail("the trees differ " + when + ":\n" + FuseTests.diff("local", expected, "mount", actual)
          + "\nlocal tree:\n" + String.join("\n", expected));
    }
  }

  /** One line per entry, sorted by path: type, permissions, links, size and content or target. */
  private static List<String> describeTree(Path root) throws IOException {
    List<String> out = new ArrayList<>();
    Files.walkFileTree(root, new SimpleFileVisitor<>() {
      @Override
      public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) throws IOException {
        if (!dir.equals(root)) {
          out.add(root.relativize(dir) + " dir " + perms(dir) + " nlink=" + nlink(dir));
        }
        return FileVisitResult.CONTINUE;
      }

      @Override
      public FileVisitResult visitFile(Path f, BasicFileAttributes a) throws IOException {
        String name = root.relativize(f).toString();
        if (a.isSymbolicLink()) {
          out.add(name + " link -> " + Files.readSymbolicLink(f) + " nlink=" + nlink(f));
        } else if (a.isRegularFile()) {
          out.add(name + " file " + perms(f) + " nlink=" + nlink(f) + " size=" + a.size() + " "
              + sha(Files.readAllBytes(f)));
        } else {
          out.add(name + " other");
        }
        return FileVisitResult.CONTINUE;
      }
    });
    out.sort(null);
    return out;
  }

  private static String perms(Path p) throws IOException {
    Set<PosixFilePermission> s = Files.getPosixFilePermissions(p, LinkOption.NOFOLLOW_LINKS);
    return PosixFilePermissions.toString(s);
  }

  private static Object nlink(Path p) throws IOException {
    return Files.getAttribute(p, "unix:nlink", LinkOption.NOFOLLOW_LINKS);
  }

  private static String sha(byte[] b) {
    try {
      return b.length + ":" + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b), 0, 8);
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new AssertionError(e);
    }
  }
}
