package io.chunkstore.index;

import java.io.UncheckedIOException;

/** A RocksDB failure, with the index's own sentence first and RocksDB's status as the cause. */
public final class IndexException extends UncheckedIOException {
  IndexException(String message, Exception cause) {
    super(message + ": " + cause.getMessage(), new java.io.IOException(cause));
  }
}
