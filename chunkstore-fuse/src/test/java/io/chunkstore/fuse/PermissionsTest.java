package io.chunkstore.fuse;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Mounted with {@code allow_other,default_permissions}, an ordinary user (a Python child that
 * drops to uid/gid 65534) is refused what belongs to root — EACCES to write a 0644 file or create
 * in a 0755 directory, EPERM to chown or chmod — and may do everything in a directory it owns.
 * The same script on a local directory must print the same.
 */
class PermissionsTest extends MountTestBase {
  private static final int NOBODY = 65534;

  @Test
  void anOrdinaryUserIsRefusedRootsFilesAndMayDoAnythingInItsOwnDirectory() throws Exception {
    Path script = FuseTests.resource("as_nobody.py", tmp);
    Path reference = mountForOtherUsersBesideReference();
    setUp(mount.mountPoint());
    setUp(reference);

    assertScriptPrintsAsOnDisk(script, reference, List.of(
        "whoami: OK uid=65534 gid=65534 groups=[]",
        "read root file: OK b'root data'",
        "write root file: EACCES",
        "truncate root file: EACCES",
        "create in root dir: EACCES",
        "create in the mount's root: EACCES",
        "mkdir in root dir: EACCES",
        "unlink in root dir: EACCES",
        "chown root file to me: EPERM",
        "chgrp root file: EPERM",
        "chmod root file: EPERM",
        "chmod root dir: EPERM",
        "utime root file to a time: EPERM",
        "utime root file to now: EACCES",
        "root file unchanged: OK (b'root data', 'mode=100644 uid=0 gid=0 size=9')",
        "create in my dir: OK mode=100644 uid=65534 gid=65534 size=5",
        "truncate my file: OK b'hello'",
        "mkdir in my dir: OK mode=040750 uid=65534 gid=65534 size=0",
        "chmod my file: OK mode=100600 uid=65534 gid=65534 size=5",
        "chown my file to root: EPERM",
        "write a 0400 file of mine: EACCES",
        "chmod it back and write: OK b'yes'",
        "rmdir in my dir: OK ['f', 'g']",
        "final listing: OK ['f', 'g']"));
  }

  /** Root's file and directory, and a directory that belongs to nobody. */
  private static void setUp(Path dir) throws Exception {
    Path rootFile = Files.writeString(dir.resolve("rootfile"), "root data");
    Files.setPosixFilePermissions(rootFile, PosixFilePermissions.fromString("rw-r--r--"));
    Path rootDir = Files.createDirectory(dir.resolve("rootdir"));
    Files.setPosixFilePermissions(rootDir, PosixFilePermissions.fromString("rwxr-xr-x"));
    Files.writeString(rootDir.resolve("inner"), "inner");
    Path mine = Files.createDirectory(dir.resolve("mine"));
    Files.setPosixFilePermissions(mine, PosixFilePermissions.fromString("rwxr-xr-x"));
    Files.setAttribute(mine, "unix:uid", NOBODY);
    Files.setAttribute(mine, "unix:gid", NOBODY);
    assertEquals(NOBODY, Files.getAttribute(mine, "unix:uid"));
  }
}
