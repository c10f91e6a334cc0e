package io.chunkstore.fs;

import java.nio.file.FileSystemException;

/** An extended attribute that is not set (ENODATA to the kernel). */
public final class NoSuchAttributeException extends FileSystemException {
  /** {@code name} is not set on {@code file}. */
  public NoSuchAttributeException(String file, String name) {
    super(file, null, "no attribute " + name);
  }

  /** No stack trace: the kernel asks for absent attributes all the time, and the answer is no bug. */
  @Override
  public synchronized Throwable fillInStackTrace() {
    return this;
  }
}
