package io.chunkstore.fuse;

import java.io.IOException;

/** Why a mount could not be made, in one sentence that says what to do. */
public final class MountException extends IOException {
  /** A mount problem described by {@code message}. */
  public MountException(String message) {
    super(message);
  }
}
