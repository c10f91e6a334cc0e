package io.chunkstore.tahoe;

import java.io.IOException;

/** The Tahoe-LAFS grid or node failed; the message is one sentence and never holds a cap. */
public final class TahoeException extends IOException {
  private static final long serialVersionUID = 1L;

  TahoeException(String sentence) {
    super(sentence);
  }

  TahoeException(String sentence, Throwable cause) {
    super(sentence, cause);
  }
}
