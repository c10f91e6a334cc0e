package io.chunkstore.cli;

import io.chunkstore.control.LiveMount;
import io.chunkstore.StoreLockedException;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;

/** Turns an exception into the one sentence a user reads. */
final class Errors {
  private Errors() {}

  /** A path in single quotes, as coreutils prints it. */
  static String quote(String path) {
    return "'" + path.replace("'", "'\\''") + "'";
  }

  /** A path as it can be typed into a shell: quoted only if it needs it. */
  static String quoteIfNeeded(String path) {
    return path.matches("[A-Za-z0-9_./:@%+=,-]+") ? path : quote(path);
  }

  /**
   * A failure whose sentence the command has printed already: the launcher's handler exits with
   * its status and prints nothing more.
   */
  static final class Reported extends RuntimeException {
    Reported(Throwable cause) {
      super(null, cause, false, false);
    }
  }

  /** True if {@code e} is, or was caused by, running out of heap. */
  static boolean outOfMemory(Throwable e) {
    for (Throwable c = e; c != null; c = c.getCause()) {
      if (c instanceof OutOfMemoryError) {
        return true;
      }
    }
    return false;
  }

  static String sentence(Throwable e) {
    if (outOfMemory(e)) {
      return "out of memory: the Java heap of " + (Runtime.getRuntime().maxMemory() >> 20)
          + " MiB is too small for this; raise it with JAVA_OPTS=-Xmx2g (or more)";
    }
    if (e instanceof java.util.concurrent.ExecutionException && e.getCause() != null) {
      return sentence(e.getCause());
    }
    if (e instanceof StoreLockedException locked) {
      // a live mount answers on its control socket: name its mount point and what to do
      return LiveMount.explain(locked).getMessage();
    }
    if (e instanceof NoSuchFileException n) {
      return "no such file or directory: " + n.getFile();
    }
    if (e instanceof AccessDeniedException a) {
      return "permission denied: " + a.getFile() + (a.getReason() == null ? "" : " (" + a.getReason() + ")");
    }
    if (e instanceof FileAlreadyExistsException f) {
      return "already exists: " + f.getFile();
    }
    if (e instanceof DirectoryNotEmptyException d) {
      return "directory not empty: " + d.getFile();
    }
    if (e instanceof NotDirectoryException d) {
      return "not a directory: " + d.getFile();
    }
    if (e instanceof FileSystemException f && f.getReason() != null) {
      return f.getReason() + ": " + f.getFile() + (f.getOtherFile() == null ? "" : " -> " + f.getOtherFile());
    }
    String m = e.getMessage();
    if (m == null || m.isBlank()) {
      return e.getClass().getSimpleName();
    }
    return m.lines().findFirst().orElse(m);
  }
}
