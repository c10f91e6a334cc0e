package io.chunkstore.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.UserDefinedFileAttributeView;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Everything {@code cp -a} keeps of a tree, as comparable text: per entry its type and full mode
 * (with setuid, setgid and sticky), owner, size, modification time to the nanosecond, content
 * hash, symlink target, device number, {@code user.*} xattrs, link count and allocated blocks;
 * and the link structure (which names share an inode). Two copies are faithful if their
 * snapshots are equal.
 */
final class TreeSnapshot {
  /** How a copy's allocated blocks are compared with the original's. */
  enum Blocks {
    /** Equal: holes stay where they were. */
    EXACT,
    /**
     * A sparse file stays sparse, within one chunk per run of data: a store keeps holes at the
     * granularity of its content-defined chunks (up to 256 KiB), not of 4 KiB disk blocks.
     */
    CHUNKED
  }

  private TreeSnapshot() {}

  /** The snapshot of the tree at {@code root}, with paths relative to it. */
  static List<String> of(Path root, Blocks blocks) throws IOException, InterruptedException {
    Map<String, Long> allocated = allocatedBlocks(root);
    Map<String, String> entries = new TreeMap<>();
    Map<Object, TreeSet<String>> inodes = new java.util.HashMap<>();
    Files.walkFileTree(root, new SimpleFileVisitor<>() {
      @Override
      public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes a) throws IOException {
        entries.put(rel(dir), describe(dir, a, null));
        return FileVisitResult.CONTINUE;
      }

      @Override
      public FileVisitResult visitFile(Path file, BasicFileAttributes a) throws IOException {
        String r = rel(file);
        Long b = allocated.get(r);
        String alloc = !a.isRegularFile() ? "" : blocks == Blocks.EXACT ? " blocks=" + b
            : " sparse=" + (b * 512 < a.size());
        entries.put(r, describe(file, a, alloc));
        inodes.computeIfAbsent(a.fileKey(), k -> new TreeSet<>()).add(r);
        return FileVisitResult.CONTINUE;
      }

      private String rel(Path p) {
        String r = root.relativize(p).toString();
        return r.isEmpty() ? "." : r;
      }
    });
    List<String> out = new ArrayList<>();
    entries.forEach((k, v) -> out.add(escape(k) + ": " + v));
    TreeSet<String> groups = new TreeSet<>();
    for (TreeSet<String> names : inodes.values()) {
      if (names.size() > 1) {
        List<String> e = new ArrayList<>();
        names.forEach(n -> e.add(escape(n)));
        groups.add("one inode: " + String.join(" = ", e));
      }
    }
    out.addAll(groups);
    return out;
  }

  /** Asserts that {@code copy} keeps everything of {@code original}. */
  static void assertSame(List<String> original, List<String> copy, String what) {
    assertEquals(String.join("\n", original), String.join("\n", copy), what + " is not faithful to the original");
  }

  /**
   * For {@link Blocks#CHUNKED}: the copy's allocated blocks are at most the original's plus one
   * chunk (256 KiB) per MiB of file, and a sparse original gives a sparse copy.
   */
  static void assertNotMoreAllocated(Path original, Path copy) throws IOException, InterruptedException {
    Map<String, Long> a = allocatedBlocks(original);
    Map<String, Long> b = allocatedBlocks(copy);
    for (Map.Entry<String, Long> e : a.entrySet()) {
      Path f = original.resolve(e.getKey());
      if (!Files.isRegularFile(f, LinkOption.NOFOLLOW_LINKS)) {
        continue;
      }
      long size = Files.size(f);
      long slack = (size / (1 << 20) + 1) * (256 * 2);
      long got = b.getOrDefault(e.getKey(), -1L);
      if (got > e.getValue() + slack) {
        throw new AssertionError(e.getKey() + ": " + got + " blocks allocated in the copy, " + e.getValue()
            + " in the original (a file of " + size + " bytes)");
      }
    }
  }

  private static String describe(Path p, BasicFileAttributes a, String alloc) throws IOException {
    Map<String, Object> u = Files.readAttributes(p, "unix:mode,uid,gid,nlink,rdev", LinkOption.NOFOLLOW_LINKS);
    StringBuilder sb = new StringBuilder();
    sb.append(String.format("mode=%07o uid=%s gid=%s", (Integer) u.get("mode"), u.get("uid"), u.get("gid")));
    sb.append(" mtime=").append(a.lastModifiedTime().toInstant());
    if (a.isRegularFile()) {
      sb.append(" size=").append(a.size()).append(" sha256=").append(sha256(p)).append(alloc);
    }
    if (!a.isDirectory()) {
      sb.append(" nlink=").append(u.get("nlink"));
    }
    if (a.isSymbolicLink()) {
      sb.append(" -> ").append(escape(Files.readSymbolicLink(p).toString()));
    }
    if (a.isOther()) {
      sb.append(" rdev=").append(u.get("rdev"));
    }
    if (!a.isSymbolicLink() && !a.isOther()) {
      UserDefinedFileAttributeView v = Files.getFileAttributeView(p, UserDefinedFileAttributeView.class);
      for (String name : new TreeSet<>(v.list())) {
        ByteBuffer buf = ByteBuffer.allocate(v.size(name));
        v.read(name, buf);
        sb.append(" user.").append(name).append('=').append(HexFormat.of().formatHex(buf.array(), 0, buf.position()));
      }
    }
    return sb.toString();
  }

  private static String sha256(Path p) throws IOException {
    try (InputStream in = Files.newInputStream(p)) {
      MessageDigest md = MessageDigest.getInstance("SHA-256");
      byte[] buf = new byte[1 << 20];
      int n;
      while ((n = in.read(buf)) > 0) {
        md.update(buf, 0, n);
      }
      return HexFormat.of().formatHex(md.digest()).substring(0, 16);
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** {@code st_blocks} of every entry (which Java does not read), from one {@code find}. */
  static Map<String, Long> allocatedBlocks(Path root) throws IOException, InterruptedException {
    FuseProcesses.Result r = FuseProcesses.run(Duration.ofMinutes(2),
        List.of("find", root.toString(), "-mindepth", "1", "-printf", "%P\\0%b\\0"));
    assertEquals(0, r.status(), r.err());
    Map<String, Long> out = new TreeMap<>();
    String[] f = r.out().split("\0");
    for (int i = 0; i + 1 < f.length; i += 2) {
      out.put(f[i], Long.parseLong(f[i + 1]));
    }
    return out;
  }

  private static String escape(String s) {
    return s.replace("\\", "\\\\").replace("\n", "\\n").replace("\t", "\\t");
  }

  static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }
}
