package io.chunkstore.fuse;

import io.chunkstore.fs.InvalidOperationException;
import io.chunkstore.fs.IsDirectoryException;
import io.chunkstore.fs.NameTooLongException;
import io.chunkstore.fs.NoSuchAttributeException;
import io.chunkstore.fs.NotPermittedException;
import java.nio.channels.ClosedChannelException;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.ReadOnlyFileSystemException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import ru.serce.jnrfuse.ErrorCodes;

/** The one place that turns the file tree's exceptions into the negative errno FUSE expects. */
final class Errno {
  private static final Logger log = LoggerFactory.getLogger(Errno.class);

  private Errno() {}

  static int of(Throwable e, String op, String path) {
    if (e instanceof NoSuchFileException) {
      return -ErrorCodes.ENOENT();
    }
    if (e instanceof FileAlreadyExistsException) {
      return -ErrorCodes.EEXIST();
    }
    if (e instanceof DirectoryNotEmptyException) {
      return -ErrorCodes.ENOTEMPTY();
    }
    if (e instanceof NotDirectoryException) {
      return -ErrorCodes.ENOTDIR();
    }
    if (e instanceof IsDirectoryException) {
      return -ErrorCodes.EISDIR();
    }
    if (e instanceof NameTooLongException) {
      return -ErrorCodes.ENAMETOOLONG();
    }
    if (e instanceof NoSuchAttributeException) {
      return -ErrorCodes.ENODATA();
    }
    if (e instanceof InvalidOperationException || e instanceof IllegalArgumentException) {
      return -ErrorCodes.EINVAL();
    }
    if (e instanceof NotPermittedException) {
      return -ErrorCodes.EPERM();
    }
    if (e instanceof AccessDeniedException) {
      return -ErrorCodes.EACCES();
    }
    if (e instanceof ReadOnlyFileSystemException) {
      return -ErrorCodes.EROFS();
    }
    if (e instanceof ClosedChannelException) {
      return -ErrorCodes.EBADF();
    }
    String m = String.valueOf(e.getMessage());
    if (m.contains("No space left on device")) {
      log.error("{} {}: the store's disk is full", op, path);
      return -ErrorCodes.ENOSPC();
    }
    log.error("{} {} failed: {}", op, path, m, e);
    return -ErrorCodes.EIO();
  }
}
