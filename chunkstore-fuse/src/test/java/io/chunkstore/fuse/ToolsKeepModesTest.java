package io.chunkstore.fuse;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Tools that restore a mode through a POSIX ACL (sed -i, cp -p, cp -a) keep it: the mount answers
 * ACL attributes with EOPNOTSUPP, so they fall back to chmod instead of leaving the file 0600.
 */
class ToolsKeepModesTest extends MountTestBase {
  @BeforeEach
  void mount() throws Exception {
    mount = MountedStore.create(tmp.resolve("fuse"));
  }

  private static void run(String... cmd) throws Exception {
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes());
    assertEquals(0, p.waitFor(), String.join(" ", cmd) + ": " + out);
  }

  private static String mode(Path p) throws Exception {
    return PosixFilePermissions.toString(Files.getPosixFilePermissions(p));
  }

  @Test
  void sedInPlaceAndCopiesWithModesKeepThem() throws Exception {
    Path f = mount.path("conf.txt");
    Files.writeString(f, "alpha\n");
    Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw-r--r--"));
    run("sed", "-i", "s/alpha/beta/", f.toString());
    assertEquals("beta\n", Files.readString(f));
    assertEquals("rw-r--r--", mode(f));

    Path src = Files.createDirectories(tmp.resolve("src/sub"));
    Files.writeString(src.resolve("x.sh"), "#!/bin/sh\n");
    Files.setPosixFilePermissions(src.resolve("x.sh"), PosixFilePermissions.fromString("rwxr-x---"));
    Files.setPosixFilePermissions(src, PosixFilePermissions.fromString("rwxr-xr-x"));
    run("cp", "-a", tmp.resolve("src").toString(), mount.path("copy").toString());
    assertEquals("rwxr-x---", mode(mount.path("copy/sub/x.sh")));
    assertEquals("rwxr-xr-x", mode(mount.path("copy/sub")));
  }
}
