package io.chunkstore.fsck;

import io.chunkstore.ChunkStore;
import io.chunkstore.internal.Internals;
import java.io.IOException;

/**
 * The read-only checks of a store that is open and being written (a mount's): they read a
 * snapshot of its index, so a change committed meanwhile cannot look like damage, and hold the
 * store's maintenance lock, so no online gc deletes a pack the snapshot still names.
 */
public final class OnlineCheck {
  private OnlineCheck() {}

  /** The structural check and, with {@code readData}, the read of every block in {@code subset}. */
  public static Report run(ChunkStore open, boolean readData, Subset subset, ProgressListener progress,
      Cancellation cancel) throws IOException {
    Internals.maintenanceLock(open).lock();
    try (MaintenanceStore view = MaintenanceStore.snapshotOf(open)) {
      Report r = StructuralCheck.run(view, progress, cancel);
      if (readData) {
        r.absorb(ReadDataCheck.run(view, subset, progress, cancel));
      }
      return r;
    } finally {
      Internals.maintenanceLock(open).unlock();
    }
  }
}
