package io.chunkstore.fs;

import java.nio.file.FileSystemException;

/** A file operation on a directory (EISDIR). */
public final class IsDirectoryException extends FileSystemException {
  /** {@code file} is a directory. */
  public IsDirectoryException(String file) {
    super(file, null, "is a directory");
  }
}
