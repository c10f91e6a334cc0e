package io.chunkstore.fuse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * READDIR without directory handles (see {@link DirectoryListings}): a reader that pages through a
 * large directory while it changes still sees what POSIX promises. {@code paged_listing.py} reads
 * with getdents64 and a 4 KiB buffer, so that the listing takes many requests.
 */
class DirectoryListingTest extends MountTestBase {
  private static final String PAD = "-a-name-long-enough-to-fill-pages-quickly";

  @Test
  void aNameThatStaysIsListedExactlyOnceWhileOthersComeAndGoAndAnotherReaderStartsOver() throws Exception {
    FuseTests.requireTool("python3", "python3");
    mount = MountedStore.create(tmp.resolve("fuse")); // the default timeouts: zero entries in READDIRPLUS
    Path dir = Files.createDirectory(mount.path("big"));
    FuseTests.Result r = FuseTests.run(Duration.ofMinutes(2), "python3",
        FuseTests.resource("paged_listing.py", tmp).toString(), dir.toString());
    assertEquals(0, r.status(), r.output());

    Map<String, Integer> seen = new HashMap<>();
    r.output().lines().filter(l -> !l.isEmpty()).forEach(name -> seen.merge(name, 1, Integer::sum));
    Set<String> staying = names("u", 1500);
    Set<String> leaving = names("x", 300);
    Set<String> coming = names("c", 300);
    for (String name : staying) {
      assertEquals(1, seen.getOrDefault(name, 0), name + " stayed in the directory throughout");
    }
    seen.forEach((name, times) -> {
      assertEquals(1, times, name + " listed more than once");
      assertTrue(staying.contains(name) || leaving.contains(name) || coming.contains(name), name + " was never made");
    });
    assertTrue(seen.size() > 1500 && seen.size() < 2100, seen.size() + " names");

    Set<String> now = new TreeSet<>(staying);
    now.addAll(coming);
    try (Stream<Path> s = Files.list(dir)) {
      assertEquals(now, s.map(p -> p.getFileName().toString()).collect(Collectors.toCollection(TreeSet::new)),
          "a listing started afresh shows every change");
    }
  }

  private static Set<String> names(String prefix, int count) {
    return IntStream.range(0, count).mapToObj(i -> prefix + i + PAD).collect(Collectors.toCollection(TreeSet::new));
  }
}
