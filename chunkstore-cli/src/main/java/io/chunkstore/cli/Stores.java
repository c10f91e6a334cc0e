package io.chunkstore.cli;

import io.chunkstore.ChunkStore;
import io.chunkstore.StorePermissions;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/** Opening a store for a command: the warning when other users can read it goes to stderr, once. */
final class Stores {
  private Stores() {}

  /** Opens the store at {@code dir} and warns if it is open to users it is not for. */
  static ChunkStore open(Path dir) throws IOException {
    return open(dir, ChunkStore.Options.defaults());
  }

  /** As {@link #open(Path)}, with options. */
  static ChunkStore open(Path dir, ChunkStore.Options options) throws IOException {
    ChunkStore cs = ChunkStore.open(dir, options);
    warn(cs.permissionWarning());
    return cs;
  }

  /** Warns if the store at {@code dir} is open to users it is not for, without opening it. */
  static void checkPermissions(Path dir) {
    if (!Files.isRegularFile(dir.resolve("chunkstore.json"))) {
      return; // not a store: opening it will say so
    }
    try {
      warn(StorePermissions.of(dir).warning(dir));
    } catch (IOException unreadable) {
      // opening it will say what is wrong
    }
  }

  private static void warn(Optional<String> warning) {
    warning.ifPresent(w -> System.err.println("warning: " + w));
  }
}
