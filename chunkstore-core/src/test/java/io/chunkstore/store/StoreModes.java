package io.chunkstore.store;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/** What tests of a store's modes look at, read straight from the file system. */
public final class StoreModes {
  private StoreModes() {}

  /**
   * Every path under {@code store} (itself included) that is not 0700 (a directory) or 0600
   * (anything else), with its mode: so also every path that "other" could read, write or execute.
   */
  public static List<String> notPrivate(Path store) throws IOException {
    List<String> bad = new ArrayList<>();
    try (Stream<Path> all = Files.walk(store)) {
      for (Path f : all.toList()) {
        String want = Files.isDirectory(f, LinkOption.NOFOLLOW_LINKS) ? "rwx------" : "rw-------";
        if (!mode(f).equals(want)) {
          bad.add(f + " " + mode(f));
        }
      }
    }
    return bad;
  }

  /** The nine permission bits of {@code p} as {@code ls} shows them. */
  public static String mode(Path p) throws IOException {
    return PosixFilePermissions.toString(Files.getPosixFilePermissions(p, LinkOption.NOFOLLOW_LINKS));
  }
}
