package io.chunkstore.backend;

import java.io.Closeable;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.OptionalLong;

/**
 * Where sealed super-chunks live: a flat namespace of immutable objects named by keys such as a
 * pack id in hex. Small on purpose, so that a new backend is a day's work.
 *
 * <p>Implementations are thread-safe. Keys are 1..128 characters of {@code [0-9a-zA-Z._-]}.
 */
public interface Backend extends Closeable {
  /**
   * Stores the content of {@code source} under {@code key}. When this returns the object is
   * durable: it survives a crash of this process and of the machine. The source file is consumed
   * (moved or deleted). Overwriting an existing key replaces it atomically.
   */
  void put(String key, Path source) throws IOException;

  /**
   * Reads {@code length} bytes of the object at {@code offset}.
   *
   * @throws java.nio.file.NoSuchFileException if there is no such object
   * @throws java.io.EOFException if the object ends before {@code offset + length}
   */
  byte[] get(String key, long offset, int length) throws IOException;

  /** The object's size in bytes, or empty if there is no such object. */
  OptionalLong stat(String key) throws IOException;

  /** Every key that starts with {@code prefix} (empty for all), in no particular order. */
  List<String> list(String prefix) throws IOException;

  /** Removes the object; removing a missing key is not an error. */
  void delete(String key) throws IOException;

  /** A short description for messages, such as {@code local:/srv/store/packs}. */
  String describe();
}
