package io.chunkstore.fsck;

import io.chunkstore.backend.Leases;
import io.chunkstore.index.PackRecord;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * The part of {@code --read-data} that only the grid can do, for a backend with {@link Leases}
 * (Tahoe-LAFS): reading every pack checks the shares that one download used, so the storage
 * servers are asked to read and check every share of every pack ({@code t=check&verify=true}),
 * and with {@code --repair} to replace the missing and bad ones ({@code &repair=true}). A repair
 * adds shares and changes no byte of a pack.
 */
public final class GridCheck {
  private GridCheck() {}

  /** Whether the store's backend can be asked to verify its objects. */
  public static boolean applies(MaintenanceStore store) {
    return store.backend() instanceof Leases;
  }

  /** Verifies (and with {@code repair} repairs) the shares of every stored pack {@code subset} selects. */
  public static Report run(MaintenanceStore store, Subset subset, boolean repair, ProgressListener progress,
      Cancellation cancel) throws IOException {
    Report report = new Report();
    if (!(store.backend() instanceof Leases grid)) {
      return report;
    }
    List<PackRecord> packs = new ArrayList<>();
    store.index().forEachPack(p -> {
      if (p.state() == PackRecord.State.STORED && subset.includes(p.id())) {
        packs.add(p);
      }
    });
    progress.start(repair ? "verifying and repairing shares on the grid" : "verifying shares on the grid", packs.size());
    try {
      for (PackRecord p : packs) {
        cancel.check();
        Leases.Health h = grid.verify(p.id().hex(), repair);
        progress.advance(1);
        if (!h.found()) {
          continue; // still in the upload queue: read locally, checked by the read itself
        }
        report.addToFigure("packsVerifiedOnGrid", 1);
        if (h.repaired()) {
          report.addToFigure("packsRepairedOnGrid", 1);
        }
        if (!h.healthy()) {
          report.add(Finding.of(Finding.Kind.UNHEALTHY_ON_GRID, "pack " + p.id().hex(), h.goodShares()
              + " good shares on the grid (" + h.neededShares() + " are needed to read it)"
              + (repair ? "; the grid could not repair it: are enough storage servers connected?"
                  : "; run chunkstore-fsck --read-data --repair to have the grid make new shares"), null));
        }
      }
    } finally {
      progress.done();
    }
    return report;
  }
}
