package io.chunkstore.fuse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * Every name of a hard-linked file shows a change at once — link count, change time, size,
 * mode — on a mount with the default attribute caching (not {@code attr_timeout=0}): after each
 * of link, write, chmod, unlink and rename, {@code stat} through every name gives the same
 * answer, and that answer is the new one. Each step first stats every name, so that a kernel
 * that kept attributes per name would answer from its cache.
 */
class HardLinkedNamesTest extends MountTestBase {
  private static final String ATTRS = "unix:ino,nlink,mode,uid,gid,size,lastModifiedTime,ctime";

  @Test
  void everyNameOfAHardLinkedFileShowsAChangeAtOnce() throws Exception {
    mount = MountedStore.create(tmp.resolve("fuse"));
    Path a = mount.path("a");
    Path b = mount.path("b");
    Path c = mount.path("c");
    Files.createDirectory(mount.path("d"));
    Path moved = mount.path("d/b2");
    Files.writeString(a, "first");
    List<String> steps = new ArrayList<>();

    Map<String, Object> before = same(steps, "create", a);
    Files.createLink(b, a);
    Map<String, Object> now = same(steps, "link a b", a, b);
    assertEquals(2, now.get("nlink"), "nlink after link");
    assertLater(before, now, "ctime", "link");

    before = now;
    Files.writeString(b, "+more", StandardOpenOption.APPEND);
    now = same(steps, "append through b", a, b);
    assertEquals(10L, now.get("size"), "size after the append through the other name");
    assertLater(before, now, "ctime", "write");
    assertLater(before, now, "lastModifiedTime", "write");
    assertEquals("first+more", Files.readString(a, StandardCharsets.UTF_8), "content through the first name");

    before = now;
    Files.setPosixFilePermissions(a, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
    now = same(steps, "chmod 600 a", a, b);
    assertEquals(0100600, now.get("mode"), "mode after chmod through the first name");
    assertLater(before, now, "ctime", "chmod");

    before = now;
    Files.createLink(c, b);
    now = same(steps, "link b c", a, b, c);
    assertEquals(3, now.get("nlink"), "nlink with three names");
    Files.delete(c);
    now = same(steps, "unlink c", a, b);
    assertEquals(2, now.get("nlink"), "nlink after unlinking the third name");
    assertLater(before, now, "ctime", "unlink");

    before = now;
    Files.move(b, moved);
    now = same(steps, "rename b d/b2", a, moved);
    assertEquals(2, now.get("nlink"), "nlink after rename");
    assertLater(before, now, "ctime", "rename");

    Files.delete(a);
    now = same(steps, "unlink a", moved);
    assertEquals(1, now.get("nlink"), "nlink after unlinking the first name");
    assertEquals("first+more", Files.readString(moved, StandardCharsets.UTF_8));
    mount.close();
  }

  /** Stats every name (twice: cached answers count) and returns their one common answer. */
  private static Map<String, Object> same(List<String> steps, String step, Path... names) throws Exception {
    steps.add(step);
    Map<String, Object> first = null;
    for (int round = 0; round < 2; round++) {
      for (Path p : names) {
        Map<String, Object> attrs = new TreeMap<>(Files.readAttributes(p, ATTRS));
        if (first == null) {
          first = attrs;
        } else {
          assertEquals(first, attrs, "after " + step + ": stat " + p.getFileName() + " differs from stat "
              + names[0].getFileName() + " (steps so far: " + steps + ")");
        }
      }
    }
    Thread.sleep(5); // the next change gets a later time
    return first;
  }

  private static void assertLater(Map<String, Object> before, Map<String, Object> after, String time, String step) {
    FileTime was = (FileTime) before.get(time);
    FileTime is = (FileTime) after.get(time);
    assertTrue(is.compareTo(was) > 0, step + " moves " + time + " on: " + was + " -> " + is);
  }
}
