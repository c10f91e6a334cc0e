package io.chunkstore.fuse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;

/**
 * What every test on a real mount shares: it fails (or skips, with CHUNKSTORE_SKIP_FUSE_TESTS=1)
 * where FUSE is unusable, and it never leaves a mount behind, also after a failure. The unmount
 * after each test is part of the test: if it fails (the mount stayed busy, or folding the staged
 * writes and closing the store threw), the test fails with that error.
 */
abstract class MountTestBase {
  @TempDir
  Path tmp;

  /** The test's mount, if it made one; unmounted after each test. */
  MountedStore mount;

  @BeforeEach
  final void requireFuse() {
    FuseTests.requireFuse();
  }

  /**
   * Mounts a store that other users than root may use ({@code allow_other,default_permissions})
   * at tmp/fuse, and makes tmp/reference, a local directory to run the same steps in; both, and
   * tmp, are 0755. Returns the reference directory. Needs root (to be another user) and python3.
   */
  Path mountForOtherUsersBesideReference() throws Exception {
    FuseTests.requireRoot();
    FuseTests.requireTool("python3", "python3");
    mount = MountedStore.create(tmp.resolve("fuse"), io.chunkstore.StoreConfig.defaults(),
        new Mounter.Options(false, true, true, List.of(), 64L << 20, 64L << 20, false));
    Path reference = Files.createDirectory(tmp.resolve("reference"));
    for (Path d : List.of(tmp, reference, mount.mountPoint())) {
      Files.setPosixFilePermissions(d, PosixFilePermissions.fromString("rwxr-xr-x"));
    }
    return reference;
  }

  /**
   * Runs the Python script {@code script} with the reference directory, then with the mount point
   * as its argument; both runs must exit 0. Then the mount must have printed every one of
   * {@code expected} and, line for line, what the local directory printed.
   */
  void assertScriptPrintsAsOnDisk(Path script, Path reference, List<String> expected) throws Exception {
    FuseTests.Result onDisk = FuseTests.run(Duration.ofMinutes(1), "python3", script.toString(), reference.toString());
    FuseTests.Result onMount = FuseTests.run(Duration.ofMinutes(1), "python3", script.toString(),
        mount.mountPoint().toString());
    assertEquals(0, onDisk.status(), "the script fails on the local directory:\n" + onDisk.output());
    assertEquals(0, onMount.status(), "the script fails on the mount:\n" + onMount.output());
    List<String> out = onMount.lines();
    for (String line : expected) {
      assertTrue(out.contains(line), "expected the line <" + line + "> on the mount; it printed:\n" + onMount.output());
    }
    if (!onDisk.lines().equals(out)) {
      fail("the mount differs from the local directory:\n" + FuseTests.diff("ext4", onDisk.lines(), "fuse", out));
    }
  }

  @AfterEach
  final void unmountAfterTest() throws Exception {
    if (mount != null) {
      MountedStore m = mount;
      mount = null;
      try {
        m.close();
      } catch (Throwable e) {
        try {
          FuseTests.unmountLazily(m.mountPoint()); // never leave a mount behind
        } catch (Exception again) {
          e.addSuppressed(again);
        }
        throw e;
      }
    }
  }
}
