package io.chunkstore.control;

import java.io.IOException;

/**
 * No mount daemon answers on the store's control socket: there is none, or it is left over from
 * a daemon that was killed (connecting is refused).
 */
public final class NotMountedException extends IOException {
  /** No daemon answers at {@code socket}, for {@code reason}. */
  public NotMountedException(java.nio.file.Path socket, String reason) {
    super("no mount daemon answers on " + socket + " (" + reason + ")");
  }
}
