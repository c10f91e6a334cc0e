package io.chunkstore.fsck;

/** The user asked a maintenance run to stop (SIGINT); what was done so far is kept. */
public final class CancelledException extends RuntimeException {
  /** A run stopped at the user's request. */
  public CancelledException() {
    super("cancelled");
  }
}
