package io.chunkstore.fuse;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * One line of {@code /proc/self/mountinfo}, with the octal escapes ({@code \040} for a space)
 * undone: the one parser of it that mount, umount and the commands that refuse to run on a
 * mounted store share.
 *
 * @param mountPoint where it is mounted
 * @param fsType the file system type, such as {@code fuse.chunkstore}
 * @param source what is mounted; {@code chunkstore:/path/to/store} for a store
 */
public record MountInfo(Path mountPoint, String fsType, String source) {
  private static final String STORE_PREFIX = "chunkstore:";

  /** Every mount this process sees. */
  public static List<MountInfo> all() throws IOException {
    List<MountInfo> out = new ArrayList<>();
    for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"), StandardCharsets.UTF_8)) {
      parse(line).ifPresent(out::add);
    }
    return out;
  }

  /** The fields of one mountinfo line: id parent dev root MOUNTPOINT options [optional...] - TYPE SOURCE super. */
  static Optional<MountInfo> parse(String line) {
    String[] f = line.split(" ");
    int dash = java.util.Arrays.asList(f).indexOf("-");
    if (f.length < 5 || dash < 5 || dash + 2 >= f.length) {
      return Optional.empty();
    }
    return Optional.of(new MountInfo(Path.of(unescape(f[4])), unescape(f[dash + 1]), unescape(f[dash + 2])));
  }

  /** The mount at {@code dir}, if it is a mount point (a dead FUSE mount too). */
  public static Optional<MountInfo> at(Path dir) throws IOException {
    Path target;
    try {
      target = dir.toRealPath();
    } catch (IOException deadOrMissing) {
      // a FUSE mount whose daemon died answers ENOTCONN to everything, even to realpath
      target = dir.toAbsolutePath().normalize();
    }
    Optional<MountInfo> found = Optional.empty();
    for (MountInfo m : all()) {
      if (m.mountPoint().equals(target)) {
        found = Optional.of(m); // the last one is on top
      }
    }
    return found;
  }

  /** Where the store in {@code storeDir} is mounted, if it is. */
  public static Optional<MountInfo> ofStore(Path storeDir) throws IOException {
    Path real = storeDir.toRealPath();
    for (MountInfo m : all()) {
      if (m.store().filter(real::equals).isPresent()) {
        return Optional.of(m);
      }
    }
    return Optional.empty();
  }

  /** The store directory this mount serves, if it is a chunkstore mount that names it. */
  public Optional<Path> store() {
    return source.startsWith(STORE_PREFIX) ? Optional.of(Path.of(source.substring(STORE_PREFIX.length())))
        : Optional.empty();
  }

  /** True if the mount answers: a FUSE mount whose daemon is gone fails every access. */
  public boolean isAlive() {
    try {
      Files.readAttributes(mountPoint, java.nio.file.attribute.BasicFileAttributes.class);
      return true;
    } catch (IOException e) {
      return !String.valueOf(e.getMessage()).contains("Transport endpoint is not connected");
    }
  }

  /** Mount info escapes spaces, tabs, newlines and backslashes as octal: {@code \040}. */
  static String unescape(String s) {
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '\\' && i + 3 < s.length()) {
        try {
          sb.append((char) Integer.parseInt(s.substring(i + 1, i + 4), 8));
          i += 3;
          continue;
        } catch (NumberFormatException e) {
          // not an escape
        }
      }
      sb.append(c);
    }
    return sb.toString();
  }
}
