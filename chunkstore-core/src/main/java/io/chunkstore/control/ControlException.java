package io.chunkstore.control;

import java.io.IOException;

/** The mount daemon answered a request with an error; the message is its one sentence. */
public final class ControlException extends IOException {
  /** The daemon's error {@code message}. */
  public ControlException(String message) {
    super(message);
  }
}
