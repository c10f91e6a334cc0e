package io.chunkstore.backend;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryIteratorException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import java.util.concurrent.ThreadLocalRandom;

/**
 * A {@link Backend} on a local directory: the object {@code key} is the file
 * {@code dir/ab/key}, where {@code ab} are the key's first two characters, so that no directory
 * grows too large.
 *
 * <p>A put is crash-safe: the data goes to a temporary file in the target directory (hard-linked
 * from the source when it is on the same file system, copied otherwise), the file is fsynced,
 * renamed over the target atomically, and the directory is fsynced. Only then is the source
 * deleted, so a failed put leaves the source in place. Temporary files have names that are not
 * valid keys; {@link #list} never shows them and opening the backend deletes those left by a
 * crash.
 *
 * <p>Objects keep the mode of their source file. A new fan-out directory gets the mode and group
 * of {@code dir}, less any access for others, whatever the umask: a store's packs are as private
 * as its directory.
 */
public final class LocalDiskBackend implements Backend {
  /** Temporary files start with this; '~' cannot appear in a key, so they never look like one. */
  static final String TEMP_PREFIX = "~tmp-";

  private final Path dir;

  /**
   * Opens (creating if needed) the backend in {@code dir} and deletes temporary files left over
   * by a crash.
   */
  public LocalDiskBackend(Path dir) throws IOException {
    this.dir = dir.toAbsolutePath().normalize();
    Files.createDirectories(this.dir);
    if (!Files.isDirectory(this.dir)) {
      throw new NotDirectoryException(this.dir.toString());
    }
    removeLeftoverTempFiles();
  }

  /** The directory that holds the objects. */
  public Path directory() {
    return dir;
  }

  @Override
  public void put(String key, Path source) throws IOException {
    Path bucket = dir.resolve(bucketName(BackendKeys.check(key)));
    if (!Files.isDirectory(bucket)) {
      createBucket(bucket);
      fsyncDirectory(dir);
    }
    Path tmp = bucket.resolve(TEMP_PREFIX + Long.toHexString(ThreadLocalRandom.current().nextLong()));
    try {
      try {
        Files.createLink(tmp, source);
      } catch (UnsupportedOperationException | IOException notLinkable) {
        // another file system (EXDEV) or one without hard links: copy the bytes instead
        Files.deleteIfExists(tmp);
        Files.copy(source, tmp, StandardCopyOption.COPY_ATTRIBUTES);
      }
      try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
        ch.force(true);
      }
      Files.move(tmp, bucket.resolve(key), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (IOException | RuntimeException e) {
      try {
        Files.deleteIfExists(tmp);
      } catch (IOException suppressed) {
        e.addSuppressed(suppressed);
      }
      throw e;
    }
    fsyncDirectory(bucket);
    Files.deleteIfExists(source);
  }

  @Override
  public byte[] get(String key, long offset, int length) throws IOException {
    Path file = path(key);
    InMemoryBackend.checkRange(offset, length);
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
      long size = ch.size();
      if (offset + length > size) {
        throw shortObject(key, size, offset, length);
      }
      ByteBuffer buf = ByteBuffer.allocate(length);
      long pos = offset;
      while (buf.hasRemaining()) {
        int n = ch.read(buf, pos);
        if (n < 0) {
          throw shortObject(key, ch.size(), offset, length);
        }
        pos += n;
      }
      return buf.array();
    }
  }

  @Override
  public OptionalLong stat(String key) throws IOException {
    try {
      return OptionalLong.of(Files.size(path(key)));
    } catch (NoSuchFileException e) {
      return OptionalLong.empty();
    }
  }

  @Override
  public List<String> list(String prefix) throws IOException {
    BackendKeys.checkPrefix(prefix);
    String onlyBucket = prefix.length() >= 2 ? bucketName(prefix) : null;
    List<String> keys = new ArrayList<>();
    try (DirectoryStream<Path> buckets = Files.newDirectoryStream(dir)) {
      for (Path bucket : buckets) {
        String bucketName = bucket.getFileName().toString();
        if ((onlyBucket != null && !onlyBucket.equals(bucketName)) || !Files.isDirectory(bucket)) {
          continue;
        }
        try (DirectoryStream<Path> files = Files.newDirectoryStream(bucket)) {
          for (Path f : files) {
            String name = f.getFileName().toString();
            if (name.startsWith(prefix)
                && BackendKeys.isValid(name)
                && bucketName(name).equals(bucketName)) {
              keys.add(name);
            }
          }
        } catch (NoSuchFileException gone) {
          // removed while we listed: nothing in it to report
        }
      }
    } catch (DirectoryIteratorException e) {
      throw e.getCause();
    }
    return keys;
  }

  @Override
  public void delete(String key) throws IOException {
    // Not fsynced: a delete undone by a crash only leaves garbage that GC finds again.
    Files.deleteIfExists(path(key));
  }

  @Override
  public String describe() {
    return "local:" + dir;
  }

  @Override
  public void close() {}

  private Path path(String key) {
    return dir.resolve(bucketName(BackendKeys.check(key))).resolve(key);
  }

  /**
   * The fan-out directory of a key: its first two characters ('.' mapped to '_' so that no
   * bucket is "." or ".."), padded with '_' for a one-character key.
   */
  static String bucketName(String key) {
    String b = key.length() >= 2 ? key.substring(0, 2) : key + "_";
    return b.replace('.', '_');
  }

  /** Makes a fan-out directory like {@link #dir} (set-group-id and group included), closed to others. */
  private void createBucket(Path bucket) throws IOException {
    int mode = (int) Files.getAttribute(dir, "unix:mode") & 07770;
    try {
      Files.createDirectory(bucket, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
    } catch (FileAlreadyExistsException raced) {
      return; // another put made it
    }
    Files.setAttribute(bucket, "unix:mode", mode); // exactly: the umask cut the mode given at creation
  }

  private void removeLeftoverTempFiles() throws IOException {
    try (DirectoryStream<Path> buckets = Files.newDirectoryStream(dir, Files::isDirectory)) {
      for (Path bucket : buckets) {
        try (DirectoryStream<Path> temps = Files.newDirectoryStream(bucket, TEMP_PREFIX + "*")) {
          for (Path t : temps) {
            Files.deleteIfExists(t);
          }
        }
      }
    } catch (DirectoryIteratorException e) {
      throw e.getCause();
    }
  }

  private static void fsyncDirectory(Path d) throws IOException {
    try (FileChannel ch = FileChannel.open(d, StandardOpenOption.READ)) {
      ch.force(true);
    }
  }

  private static EOFException shortObject(String key, long size, long offset, int length) {
    return new EOFException(
        "object " + key + " has " + size + " bytes; cannot read " + length + " bytes at offset "
            + offset);
  }
}
