package io.chunkstore.fuse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The mount clears set-user-ID and set-group-ID bits itself (it tells the kernel so, with
 * FUSE_HANDLE_KILLPRIV_V2, and the kernel then stops asking for security.capability before every
 * write): after a write or truncation by a process without CAP_FSETID, and after any chown, the
 * modes are those a local directory shows for the same steps.
 */
class SetIdBitsTest extends MountTestBase {
  @BeforeEach
  void requirements() {
    FuseTests.requireRoot();
    FuseTests.requireTool("python3", "python3");
  }

  @Test
  void writesTruncationsAndChownClearSetIdBitsAsTheKernelsOwnFileSystemsDo() throws Exception {
    Path script = FuseTests.resource("set_id_bits.py", tmp);
    // allow_other: the unprivileged writer is another user than the one who mounted
    mount = MountedStore.create(tmp.resolve("fuse"), io.chunkstore.StoreConfig.defaults(),
        new Mounter.Options(false, true, true, List.of(), 64L << 20, 64L << 20, false));
    Path reference = Files.createDirectory(tmp.resolve("reference"));
    for (Path d : List.of(tmp, reference, mount.mountPoint())) {
      Files.setPosixFilePermissions(d, PosixFilePermissions.fromString("rwxr-xr-x"));
    }

    FuseTests.Result onDisk = FuseTests.run(Duration.ofMinutes(1), "python3", script.toString(), reference.toString());
    FuseTests.Result onMount = FuseTests.run(Duration.ofMinutes(1), "python3", script.toString(),
        mount.mountPoint().toString());
    assertEquals(0, onDisk.status(), "the script fails on the local directory:\n" + onDisk.output());
    assertEquals(0, onMount.status(), "the script fails on the mount:\n" + onMount.output());

    List<String> out = onMount.lines();
    for (String expected : List.of(
        "w1 written by nobody: mode=100777",
        "w2 written by nobody: mode=100767", // not in the file's group: set-gid goes too
        "w5 written by nobody in its group: mode=102767",
        "w3 written by root: mode=106777",
        "w4 written by nobody again: mode=100777",
        "t1 truncated by nobody: mode=100777",
        "t2 opened O_TRUNC by nobody: mode=100777",
        "t3 truncated by root: mode=106777",
        "c1 chown 0:0 by root: mode=100755",
        "c2 chgrp 65534 by root: mode=100755",
        "c3 chown 65534 by root: mode=102745",
        "c4 chmod 6755 after chown: mode=106755",
        "d1 chown 65534 by root: mode=042775")) {
      assertTrue(out.contains(expected), "expected the line <" + expected + "> on the mount; it printed:\n"
          + onMount.output());
    }
    if (!onDisk.lines().equals(out)) {
      fail("the mount differs from the local directory:\n" + FuseTests.diff("ext4", onDisk.lines(), "fuse", out));
    }
  }
}
