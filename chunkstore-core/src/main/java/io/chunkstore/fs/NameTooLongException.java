package io.chunkstore.fs;

import java.nio.file.FileSystemException;

/** A name of more than 255 bytes (ENAMETOOLONG). */
public final class NameTooLongException extends FileSystemException {
  /** A name in {@code file} is too long. */
  public NameTooLongException(String file) {
    super(file, null, "file name too long");
  }
}
