package io.chunkstore.gc;

import io.chunkstore.backend.Leases;
import io.chunkstore.fsck.Cancellation;
import io.chunkstore.fsck.MaintenanceStore;
import io.chunkstore.fsck.ProgressListener;
import io.chunkstore.id.PackId;
import io.chunkstore.index.PackRecord;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * {@code gc --renew-leases}: tells the servers of a backend with leases (Tahoe-LAFS) that the store
 * still wants its live packs and its metadata, so that lease expiry reclaims only what gc dropped.
 * Live means what the index records as stored: a pack gc has deleted or retired has no stored
 * record, so its lease is never renewed and lapses.
 */
public final class LeaseRenewal {
  /** Checks in flight at once: each is a round trip to every storage server, mostly waiting. */
  private static final int PARALLEL = 4;

  private LeaseRenewal() {}

  /**
   * What a renewal did.
   *
   * @param packsRenewed live packs whose leases were renewed
   * @param packsMissing live packs the backend does not have (yet: still in the upload queue)
   * @param packsUnhealthy renewed packs with fewer shares than they should have
   * @param metadataRenewed directories and metadata files renewed
   */
  public record Result(long packsRenewed, long packsMissing, long packsUnhealthy, int metadataRenewed) {}

  /** Whether the store's backend has leases at all (the local disk has none). */
  public static boolean applies(MaintenanceStore store) {
    return store.backend() instanceof Leases;
  }

  /**
   * Renews the leases of every stored pack and of the store's metadata.
   *
   * @throws IllegalStateException if the backend has no leases (see {@link #applies})
   */
  public static Result run(MaintenanceStore store, ProgressListener progress, Cancellation cancel) throws IOException {
    if (!(store.backend() instanceof Leases leases)) {
      throw new IllegalStateException("the store's backend (" + store.backend().describe() + ") has no leases to renew");
    }
    List<PackId> live = new ArrayList<>();
    store.index().forEachPack(p -> {
      if (p.state() == PackRecord.State.STORED) {
        live.add(p.id());
      }
    });
    progress.start("renewing the leases of live packs", live.size());
    long renewed = 0;
    long missing = 0;
    long unhealthy = 0;
    ExecutorService pool = Executors.newFixedThreadPool(PARALLEL, r -> {
      Thread t = new Thread(r, "lease-renewal");
      t.setDaemon(true);
      return t;
    });
    try {
      List<Future<Leases.Health>> results = new ArrayList<>();
      for (PackId id : live) {
        results.add(pool.submit(() -> leases.renewLease(id.hex())));
      }
      for (Future<Leases.Health> f : results) {
        cancel.check();
        Leases.Health h = get(f);
        progress.advance(1);
        if (!h.found()) {
          missing++;
        } else {
          renewed++;
          unhealthy += h.healthy() ? 0 : 1;
        }
      }
    } finally {
      pool.shutdownNow();
      progress.done();
    }
    int metadata = leases.renewMetadataLeases();
    return new Result(renewed, missing, unhealthy, metadata);
  }

  private static Leases.Health get(Future<Leases.Health> f) throws IOException {
    try {
      return f.get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new java.io.InterruptedIOException("interrupted while renewing leases");
    } catch (ExecutionException e) {
      if (e.getCause() instanceof IOException io) {
        throw io;
      }
      throw new IOException(e.getCause());
    }
  }
}
