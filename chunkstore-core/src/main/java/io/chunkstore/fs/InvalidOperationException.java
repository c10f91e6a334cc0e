package io.chunkstore.fs;

import java.nio.file.FileSystemException;

/**
 * An operation that makes no sense for its arguments (EINVAL): moving a directory into itself,
 * reading a link that is not a symlink, removing the root.
 */
public final class InvalidOperationException extends FileSystemException {
  /** {@code file} (and {@code other}) cannot take part in this operation, for {@code reason}. */
  public InvalidOperationException(String file, String other, String reason) {
    super(file, other, reason);
  }
}
