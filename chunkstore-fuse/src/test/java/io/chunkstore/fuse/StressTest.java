package io.chunkstore.fuse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.chunkstore.ChunkStore;
import io.chunkstore.internal.Internals;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Real workloads with verification on the mount: fio writes checksummed blocks sequentially and
 * at random and reads every one back; stress-ng's file system stressors hammer writes, renames,
 * links, symlinks, xattrs and seeks with their own checks. Afterwards the store must open with
 * every refcount equal to a recount from the extents. Those first checks read mostly from the
 * kernel's page cache ({@code kernel_cache}), so then the store is unmounted and mounted again and
 * everything is read back from the store itself: fio {@code --verify_only} with the same jobs,
 * and every file stress-ng left ({@code --keep-files}) compared with what it read before.
 */
class StressTest extends MountTestBase {
  private static final Pattern FIO_ERROR = Pattern.compile("err=\\s*[1-9]|verify failed|bad magic|bad header"
      + "|crc32c: verify|fio: pid=\\d+, err=");

  @BeforeEach
  void mount() throws Exception {
    mount = MountedStore.create(tmp.resolve("fuse"));
  }

  @Test
  void fioVerifiesEveryBlockItWroteSequentiallyAndAtRandom() throws Exception {
    FuseTests.requireTool("fio", "fio");
    Path jobs = tmp.resolve("jobs.fio");
    Files.writeString(jobs, String.join("\n",
        "[global]",
        "directory=" + mount.mountPoint(),
        "direct=0",
        "ioengine=psync",
        "numjobs=2",
        "verify=crc32c",
        "do_verify=1",
        "verify_fatal=1",
        // no *-verify.state files in the working directory
        "verify_state_save=0",
        "group_reporting=1",
        "",
        "[seq-write-128k]",
        "rw=write",
        "bs=128k",
        "size=64m",
        "",
        "[rand-write-4k]",
        "stonewall",
        "rw=randwrite",
        "bs=4k",
        "size=16m",
        // verify while writing, not only after: reads interleave with the writes still staged
        "verify_backlog=256",
        "",
        "[rand-rw-128k]",
        "stonewall",
        "rw=randrw",
        "bs=128k",
        "size=64m",
        ""));
    FuseTests.Result r = FuseTests.run(Duration.ofMinutes(4), "fio", jobs.toString());
    assertEquals(0, r.status(), "fio failed:\n" + FuseTests.tail(r.output()));
    assertFalse(FIO_ERROR.matcher(r.output()).find(), "fio reported errors:\n" + FuseTests.tail(r.output()));
    assertEquals(3, count(r.output(), Pattern.compile("\\(groupid=\\d+, jobs=2\\): err= 0")),
        "every job group ran without error:\n" + FuseTests.tail(r.output()));
    closeAndCheckStore();

    // Again from the store, not the page cache: a fresh mount has none of the files' pages.
    mount = mount.remount();
    FuseTests.Result v = FuseTests.run(Duration.ofMinutes(4), "fio", "--verify_only", jobs.toString());
    assertEquals(0, v.status(), "fio --verify_only after remounting failed:\n" + FuseTests.tail(v.output()));
    assertFalse(FIO_ERROR.matcher(v.output()).find(), "fio --verify_only reported errors:\n" + FuseTests.tail(v.output()));
    assertEquals(3, count(v.output(), Pattern.compile("\\(groupid=\\d+, jobs=2\\): err= 0")),
        "every job group verified without error:\n" + FuseTests.tail(v.output()));
    long read = readBytes(v.output());
    // two jobs each of 64 MiB sequential and 16 MiB random writes, plus the mixed job's writes
    assertTrue(read >= 2 * (64L + 16L) << 20, "fio --verify_only read only " + read + " bytes:\n" + FuseTests.tail(v.output()));
    closeAndCheckStore();
  }

  @Test
  void stressNgFileSystemStressorsPassTheirVerification() throws Exception {
    FuseTests.requireTool("stress-ng", "stress-ng");
    FuseTests.Result r = FuseTests.run(Duration.ofMinutes(3), List.of("stress-ng",
        "--hdd", "2", "--hdd-bytes", "32m",
        "--dir", "1", "--rename", "1", "--link", "1", "--symlink", "1", "--xattr", "1", "--seek", "1",
        "--verify", "--keep-files", "--timeout", "20s", "--temp-path", mount.mountPoint().toString()));
    String out = r.output();
    assertEquals(0, r.status(), "stress-ng failed:\n" + FuseTests.tail(out));
    assertEquals(List.of(), StressNgOutput.problems(out), "stress-ng reported failures:\n" + FuseTests.tail(out));
    Map<String, String> left = snapshot(mount.mountPoint());
    long hddBytes = left.entrySet().stream().filter(e -> e.getKey().contains("hdd") && e.getValue().startsWith("file "))
        .mapToLong(e -> Long.parseLong(e.getValue().split(" ")[1])).sum();
    assertTrue(hddBytes > 0, "stress-ng left the files it wrote (--keep-files): " + left.keySet());
    closeAndCheckStore();

    // Read back from the store, not the page cache: every file, link and directory stress-ng left.
    mount = mount.remount();
    Map<String, String> after = snapshot(mount.mountPoint());
    List<String> differ = left.keySet().stream().filter(k -> !left.get(k).equals(after.get(k))).toList();
    List<String> added = after.keySet().stream().filter(k -> !left.containsKey(k)).toList();
    assertTrue(differ.isEmpty() && added.isEmpty(), "after remounting, " + differ.size() + " of " + left.size()
        + " entries stress-ng left differ, e.g. " + differ.stream().limit(5).map(k -> k + ": " + left.get(k) + " -> "
        + after.get(k)).toList() + "; new entries: " + added.stream().limit(5).toList());
    closeAndCheckStore();
  }

  /** Every entry under {@code root}: a regular file's size and SHA-256, a symlink's target, directories. */
  private static Map<String, String> snapshot(Path root) throws Exception {
    Map<String, String> out = new TreeMap<>();
    List<Path> all;
    try (Stream<Path> s = Files.walk(root)) {
      all = s.toList();
    }
    for (Path p : all) {
      String name = root.relativize(p).toString();
      if (Files.isSymbolicLink(p)) {
        out.put(name, "link " + Files.readSymbolicLink(p));
      } else if (Files.isDirectory(p)) {
        out.put(name, "dir");
      } else if (Files.isRegularFile(p)) {
        try (InputStream in = Files.newInputStream(p)) {
          out.put(name, "file " + Files.size(p) + " " + GeneratedContent.sha256(in));
        }
      }
    }
    return out;
  }

  /** The bytes fio read, summed over the job groups' {@code READ: ... io=} lines. */
  private static long readBytes(String fioOutput) {
    var m = Pattern.compile("READ: bw=.*?, io=([0-9.]+)([KMGT]i)?B").matcher(fioOutput);
    long sum = 0;
    while (m.find()) {
      double v = Double.parseDouble(m.group(1));
      String unit = m.group(2) == null ? "" : m.group(2);
      int shift = switch (unit) {
        case "Ki" -> 10;
        case "Mi" -> 20;
        case "Gi" -> 30;
        case "Ti" -> 40;
        default -> 0;
      };
      sum += (long) (v * (1L << shift));
    }
    return sum;
  }

  private void closeAndCheckStore() throws Exception {
    mount.close();
    try (ChunkStore s = ChunkStore.open(mount.store())) {
      FuseTests.assertRefcountsMatchExtents(s);
      assertTrue(Internals.index(s).orphans().isEmpty(), "orphans after a clean unmount: " + Internals.index(s).orphans());
    }
  }

  private static int count(String s, Pattern p) {
    int n = 0;
    var m = p.matcher(s);
    while (m.find()) {
      n++;
    }
    return n;
  }
}
