package io.chunkstore;

import java.nio.file.Path;
import java.util.OptionalLong;

/**
 * The store is open in another process (its lock is held): a mount, a {@code put}, another
 * command. Callers that can work with a live mount instead (through its control socket) catch
 * this one; everyone else reads the sentence.
 */
public final class StoreLockedException extends StoreException {
  private final transient Path store;
  private final long holderPid;

  /** The store at {@code store} is locked by process {@code holderPid} (-1 if unknown). */
  public StoreLockedException(Path store, long holderPid) {
    super("the store at " + store + " is in use by another process" + (holderPid < 0 ? "" : " (pid " + holderPid + ")")
        + "; unmount it or wait for it to finish");
    this.store = store;
    this.holderPid = holderPid;
  }

  /** The store's directory. */
  public Path store() {
    return store;
  }

  /** The pid the lock file names, if it names one. */
  public OptionalLong holderPid() {
    return holderPid < 0 ? OptionalLong.empty() : OptionalLong.of(holderPid);
  }
}
