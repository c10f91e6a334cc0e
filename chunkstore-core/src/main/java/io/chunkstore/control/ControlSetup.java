package io.chunkstore.control;

import io.chunkstore.ChunkStore;

/**
 * Adds operations to a mount's control socket when the store is mounted: the hook through which
 * modules above the core (fsck, gc) serve their commands while mounted. The mount daemon calls
 * it once, after the store is open and before the socket takes requests.
 *
 * <pre>{@code
 * ControlSetup fsck = (store, registry) -> registry.register("fsck", (req, progress) -> ...);
 * Mounter.run(storeDir, mountPoint, options, onReady, fsck);
 * }</pre>
 */
@FunctionalInterface
public interface ControlSetup {
  /** Adds nothing. */
  ControlSetup NONE = (store, registry) -> {};

  /** Registers this setup's handlers for the mounted {@code store}. */
  void register(ChunkStore store, ControlRegistry registry);

  /** This setup, then {@code next}. */
  default ControlSetup andThen(ControlSetup next) {
    return (store, registry) -> {
      register(store, registry);
      next.register(store, registry);
    };
  }
}
