package io.chunkstore.control;

import com.fasterxml.jackson.databind.JsonNode;

/** Answers one kind of control request ({@code "op"}) in the mount daemon. */
@FunctionalInterface
public interface ControlHandler {
  /**
   * Answers {@code request}: any number of progress lines through {@code progress}, then the
   * result it returns (null is an empty object). Runs on the connection's own thread; several
   * clients may be served at once. A thrown exception becomes the client's error reply, its
   * message the one sentence the client shows, so throw with a message a user can act on
   * ({@link IllegalArgumentException} for a bad argument).
   */
  JsonNode handle(ControlRequest request, ProgressSink progress) throws Exception;
}
