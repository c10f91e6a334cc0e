package io.chunkstore.control;

/** Where the operations a control socket serves are registered. */
public interface ControlRegistry {
  /**
   * Serves requests whose {@code "op"} is {@code op} with {@code handler}.
   *
   * @throws IllegalArgumentException if {@code op} is taken or not a plain lower-case name
   */
  void register(String op, ControlHandler handler);
}
