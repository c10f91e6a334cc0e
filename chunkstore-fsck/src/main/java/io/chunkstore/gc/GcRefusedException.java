package io.chunkstore.gc;

import java.io.IOException;

/** gc did not start, for the reason its message gives in one sentence; nothing was changed. */
public final class GcRefusedException extends IOException {
  /** A refusal with its reason. */
  public GcRefusedException(String message) {
    super(message);
  }
}
