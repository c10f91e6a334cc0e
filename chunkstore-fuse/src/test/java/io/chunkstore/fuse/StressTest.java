package io.chunkstore.fuse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.chunkstore.ChunkStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Real workloads with verification on the mount: fio writes checksummed blocks sequentially and
 * at random and reads every one back; stress-ng's file system stressors hammer writes, renames,
 * links, symlinks, xattrs and seeks with their own checks. Afterwards the store must open with
 * every refcount equal to a recount from the extents.
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
  }

  @Test
  void stressNgFileSystemStressorsPassTheirVerification() throws Exception {
    FuseTests.requireTool("stress-ng", "stress-ng");
    FuseTests.Result r = FuseTests.run(Duration.ofMinutes(3), List.of("stress-ng",
        "--hdd", "2", "--hdd-bytes", "32m",
        "--dir", "1", "--rename", "1", "--link", "1", "--symlink", "1", "--xattr", "1", "--seek", "1",
        "--verify", "--timeout", "20s", "--temp-path", mount.mountPoint().toString()));
    String out = r.output();
    assertEquals(0, r.status(), "stress-ng failed:\n" + FuseTests.tail(out));
    assertFalse(Pattern.compile("(?i)\\bfail(ed)?:|verif(y|ication) (error|fail)").matcher(out).find(),
        "stress-ng reported failures:\n" + FuseTests.tail(out));
    assertTrue(out.contains("successful run completed"), out);
    closeAndCheckStore();
  }

  private void closeAndCheckStore() throws Exception {
    mount.close();
    try (ChunkStore s = ChunkStore.open(mount.store())) {
      FuseTests.assertRefcountsMatchExtents(s);
      assertTrue(s.index().orphans().isEmpty(), "orphans after a clean unmount: " + s.index().orphans());
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
