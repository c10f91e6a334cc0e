package io.chunkstore.fsck;

import java.util.concurrent.atomic.AtomicBoolean;

/** A flag that a signal handler sets and long passes poll between units of work. */
public final class Cancellation {
  /** A cancellation that never fires. */
  public static final Cancellation NEVER = new Cancellation();

  private final AtomicBoolean requested = new AtomicBoolean();

  /** Asks the run to stop at its next check. */
  public void request() {
    requested.set(true);
  }

  /** Throws {@link CancelledException} if a stop was requested. */
  public void check() {
    if (requested.get()) {
      throw new CancelledException();
    }
  }
}
