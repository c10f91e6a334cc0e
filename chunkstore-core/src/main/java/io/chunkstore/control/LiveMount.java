package io.chunkstore.control;

import com.fasterxml.jackson.databind.JsonNode;
import io.chunkstore.StoreException;
import io.chunkstore.StoreLockedException;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

/**
 * A mount daemon that answers on a store's control socket: where it has the store mounted.
 *
 * @param mountPoint where the store is mounted
 * @param pid the daemon's process id
 */
public record LiveMount(Path mountPoint, long pid) {
  /** How long a daemon may take to say where it is mounted. */
  private static final Duration INFO_TIMEOUT = Duration.ofSeconds(10);

  /** The live mount of {@code storeDir}, if a daemon answers on its control socket. */
  public static Optional<LiveMount> find(Path storeDir) {
    try (ControlClient daemon = ControlClient.connect(storeDir).timeout(INFO_TIMEOUT)) {
      JsonNode info = daemon.call("info");
      return Optional.of(new LiveMount(Path.of(info.path("mountPoint").asText()), info.path("pid").asLong(-1)));
    } catch (IOException | RuntimeException e) {
      return Optional.empty();
    }
  }

  /**
   * The error for a command that needs the store to itself: if a live mount holds the lock,
   * a sentence that names the mount point and says to unmount it or to use the mount;
   * otherwise {@code locked} as it is.
   */
  public static StoreException explain(StoreLockedException locked) {
    return find(locked.store()).<StoreException>map(m -> new StoreException("the store at " + locked.store()
        + " is in use by another process: it is mounted at " + m.mountPoint() + " (pid " + m.pid()
        + "); unmount it first (chunkstore umount " + m.mountPoint() + ") or work through the mount", locked))
        .orElse(locked);
  }
}
