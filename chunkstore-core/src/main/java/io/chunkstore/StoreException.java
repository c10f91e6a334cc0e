package io.chunkstore;

import java.io.IOException;

/**
 * A problem with the store as a whole, told in one sentence a user can act on: not a store, a
 * newer format, already exists, in use by another process.
 */
public class StoreException extends IOException {
  /** A store problem described by {@code message}. */
  public StoreException(String message) {
    super(message);
  }

  /** A store problem described by {@code message}, caused by {@code cause}. */
  public StoreException(String message, Throwable cause) {
    super(message, cause);
  }
}
