package io.chunkstore.control;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;

/** Where a {@link ControlHandler} sends progress while it works. Thread-safe. */
public interface ProgressSink {
  /** Sends one progress line to the client. Throws if the client has gone. */
  void send(JsonNode progress) throws IOException;

  /**
   * True once the client has closed its connection or the daemon is unmounting: a long task
   * (fsck, gc) should stop at the next safe point. Cheap; call it often.
   */
  boolean cancelled();
}
