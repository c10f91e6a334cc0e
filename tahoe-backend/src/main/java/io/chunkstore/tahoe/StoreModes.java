package io.chunkstore.tahoe;

import io.chunkstore.StorePermissions;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The backend's own directories in a store (the upload queue, the pack cache) get the store's
 * modes, not the process umask's: what they hold is the store's data.
 */
final class StoreModes {
  private StoreModes() {}

  /**
   * Makes {@code dir} and its missing parents with the modes of the store they are in (the nearest
   * existing parent tells which), gives {@code dir} them too, and returns those permissions.
   */
  static StorePermissions directory(Path dir) throws IOException {
    Path existing = dir.toAbsolutePath();
    while (!Files.isDirectory(existing)) {
      existing = existing.getParent();
    }
    StorePermissions p = StorePermissions.of(existing);
    Files.createDirectories(dir);
    for (Path d = dir.toAbsolutePath(); !d.equals(existing); d = d.getParent()) {
      p.apply(d);
    }
    p.apply(dir);
    return p;
  }
}
