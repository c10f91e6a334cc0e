package io.chunkstore.fs;

import java.nio.file.FileSystemException;

/** An operation the file system never allows, such as a hard link to a directory (EPERM). */
public final class NotPermittedException extends FileSystemException {
  /** {@code file} cannot take part in this operation, for {@code reason}. */
  public NotPermittedException(String file, String reason) {
    super(file, null, reason);
  }
}
