package io.chunkstore.cli;

import io.chunkstore.fsck.Cancellation;

/**
 * Turns SIGINT (Ctrl-C) into a {@link Cancellation}, so that a long maintenance pass stops at its
 * next unit of work with everything done so far kept, instead of dying mid-batch. A second Ctrl-C
 * ends the process at once.
 */
final class Interrupts {
  private Interrupts() {}

  @SuppressWarnings("removal")
  static Cancellation onSigint() {
    Cancellation c = new Cancellation();
    try {
      sun.misc.Signal.handle(new sun.misc.Signal("INT"), new sun.misc.SignalHandler() {
        private boolean asked;

        @Override
        public void handle(sun.misc.Signal sig) {
          if (asked) {
            Runtime.getRuntime().halt(FsckCommand.CANCELLED);
          }
          asked = true;
          c.request();
        }
      });
    } catch (IllegalArgumentException | UnsupportedOperationException e) {
      // no signal support here: Ctrl-C ends the process the usual way
    }
    return c;
  }
}
