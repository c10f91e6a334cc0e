package io.chunkstore.cli;

import io.chunkstore.ChunkStore;
import io.chunkstore.fs.IsDirectoryException;
import io.chunkstore.fuse.MountInfo;
import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.util.Optional;

/** What rm, mv and mkdir share: opening an unmounted store, store paths, coreutils-style reasons. */
final class FileOps {
  private FileOps() {}

  /**
   * Opens the store for a change to its files. A mounted store's daemon holds it: the change is
   * made through the mount, and {@code instead} (given the mount point) says how.
   */
  static ChunkStore open(Path store, java.util.function.Function<Path, String> instead) throws IOException {
    Optional<MountInfo> m = Optional.empty();
    try {
      m = MountInfo.ofStore(store);
    } catch (IOException notThere) {
      // ChunkStore.open says what is wrong with the path
    }
    if (m.isPresent()) {
      throw new IOException("the store " + store + " is mounted at " + m.get().mountPoint()
          + "; change its files through the mount: " + instead.apply(m.get().mountPoint()));
    }
    return ChunkStore.open(store);
  }

  /**
   * {@code a/b} and {@code /a/b/} both name {@code /a/b}.
   *
   * @throws NoSuchFileException for an empty path, which names nothing (as in coreutils)
   */
  static String storePath(String p) throws NoSuchFileException {
    if (p.isEmpty()) {
      throw new NoSuchFileException("");
    }
    return "/" + p.replaceAll("^/+", "").replaceAll("/+$", "");
  }

  /** The path as it would be typed after the mount point. */
  static String underMount(Path mountPoint, String path) {
    return Errors.quoteIfNeeded(mountPoint + "/" + path.replaceAll("^/+", ""));
  }

  /** The last name of a store path. */
  static String name(String storePath) {
    return storePath.substring(storePath.lastIndexOf('/') + 1);
  }

  /** The reason part of a coreutils message: "no such file or directory", "is a directory", ... */
  static String reason(IOException e) {
    if (e instanceof NoSuchFileException) {
      return "no such file or directory";
    }
    if (e instanceof FileAlreadyExistsException) {
      return "file exists";
    }
    if (e instanceof DirectoryNotEmptyException) {
      return "directory not empty";
    }
    if (e instanceof NotDirectoryException) {
      return "not a directory";
    }
    if (e instanceof IsDirectoryException) {
      return "is a directory";
    }
    if (e instanceof AccessDeniedException) {
      return "permission denied";
    }
    if (e instanceof java.nio.file.FileSystemException f && f.getReason() != null) {
      return f.getReason();
    }
    return Errors.sentence(e);
  }
}
