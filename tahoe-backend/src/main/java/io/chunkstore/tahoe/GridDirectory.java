package io.chunkstore.tahoe;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The store's directory on the grid: the cap of every object, linked by key, so that the grid
 * alone names everything.
 *
 * <p>A Tahoe directory is a mutable file rewritten whole on every change (about 330 bytes per
 * entry), so one flat directory would make every link cost more as the store grows. Keys are
 * sharded by their first two characters into subdirectories of the root ({@code ab/abcdef...}),
 * like the local backend's fan-out; 10,000 pack ids put about 40 entries in each of 256 shards.
 * And links that arrive together are written together: while one {@code set_children} of a shard
 * is on its way, the links that queue up behind it go in the next one (group commit).
 *
 * <p>Thread-safe.
 */
final class GridDirectory {
  private final TahoeClient client;
  private final String rootCap;
  /** Shard name to its directory write cap. */
  private final Map<String, String> shards = new ConcurrentHashMap<>();
  private final Map<String, Shard> shardState = new ConcurrentHashMap<>();

  private static final class Shard {
    final ReentrantLock lock = new ReentrantLock();
    /** Links waiting for the next set_children; guarded by itself. */
    final Map<String, Pending> pending = new LinkedHashMap<>();
  }

  private record Pending(String cap, CompletableFuture<Void> done) {}

  GridDirectory(TahoeClient client, String rootCap) {
    this.client = client;
    this.rootCap = rootCap;
  }

  /** How many shards {@link #loadAll} lists at once: each listing is a round trip to the node. */
  private static final int PARALLEL_LISTINGS = 8;

  /**
   * Every linked object: key to its cap and size. Reads the root and then the shards, several at a
   * time (one after the other, 256 listings made every open of a large store wait a minute).
   */
  Map<String, TahoeClient.Child> loadAll() throws IOException {
    List<Map.Entry<String, TahoeClient.Child>> found = new ArrayList<>();
    for (Map.Entry<String, TahoeClient.Child> s : client.list(rootCap).entrySet()) {
      if (s.getValue().directory() && s.getKey().length() == 2) { // else the metadata copy (GridMetadata)
        shards.put(s.getKey(), s.getValue().cap());
        found.add(s);
      }
    }
    ExecutorService pool = Executors.newFixedThreadPool(Math.max(1, Math.min(PARALLEL_LISTINGS, found.size())), r -> {
      Thread t = new Thread(r, "tahoe-list");
      t.setDaemon(true);
      return t;
    });
    try {
      List<Future<Map<String, TahoeClient.Child>>> listings = new ArrayList<>();
      for (Map.Entry<String, TahoeClient.Child> s : found) {
        listings.add(pool.submit(() -> client.list(s.getValue().cap())));
      }
      Map<String, TahoeClient.Child> all = new HashMap<>();
      for (int i = 0; i < found.size(); i++) {
        String shard = found.get(i).getKey();
        for (Map.Entry<String, TahoeClient.Child> e : await(listings.get(i), "listing the store's directory").entrySet()) {
          if (!e.getValue().directory() && shardOf(e.getKey()).equals(shard)) {
            all.put(e.getKey(), e.getValue());
          }
        }
      }
      return all;
    } finally {
      pool.shutdownNow();
    }
  }

  private static <T> T await(Future<T> f, String doing) throws IOException {
    try {
      return f.get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new java.io.InterruptedIOException("interrupted while " + doing);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof IOException io) {
        throw io;
      }
      if (e.getCause() instanceof RuntimeException re) {
        throw re;
      }
      throw new IOException(e.getCause());
    }
  }

  /** Links {@code key -> cap}, replacing what was linked there, together with concurrent links. */
  void link(String key, String cap) throws IOException {
    String name = shardOf(key);
    Shard s = shardState.computeIfAbsent(name, n -> new Shard());
    CompletableFuture<Void> done = new CompletableFuture<>();
    synchronized (s.pending) {
      Pending old = s.pending.put(key, new Pending(cap, done));
      if (old != null) {
        // a newer cap for the same key supersedes the older one in the same batch
        done.whenComplete((v, e) -> complete(old.done(), e));
      }
    }
    s.lock.lock();
    try {
      if (!done.isDone()) {
        Map<String, Pending> batch;
        synchronized (s.pending) {
          batch = new LinkedHashMap<>(s.pending);
          s.pending.clear();
        }
        Map<String, String> caps = new LinkedHashMap<>();
        batch.forEach((k, p) -> caps.put(k, p.cap()));
        IOException failure = null;
        try {
          client.setChildren(shardCap(name), caps);
        } catch (IOException e) {
          failure = e;
        }
        for (Pending p : batch.values()) {
          complete(p.done(), failure);
        }
      }
    } finally {
      s.lock.unlock();
    }
    await(done, "linking a pack");
  }

  /** Unlinks {@code key}; a key that is not linked is fine. */
  void unlink(String key) throws IOException {
    String name = shardOf(key);
    String cap = shards.get(name);
    if (cap == null) {
      return;
    }
    Shard s = shardState.computeIfAbsent(name, n -> new Shard());
    s.lock.lock();
    try {
      client.unlink(cap, key);
    } finally {
      s.lock.unlock();
    }
  }

  /** The caps of the root and of every shard seen so far, for lease renewal. */
  List<String> directoryCaps() {
    List<String> out = new ArrayList<>();
    out.add(rootCap);
    out.addAll(shards.values());
    return out;
  }

  /** How many shard directories exist (for tests). */
  int shardCount() {
    return shards.size();
  }

  private String shardCap(String name) throws IOException {
    String cap = shards.get(name);
    if (cap != null) {
      return cap;
    }
    synchronized (shards) {
      cap = shards.get(name);
      if (cap == null) {
        cap = client.mkdirChild(rootCap, name).orElse(null);
        if (cap == null) {
          // made by an earlier run whose listing we did not see: look it up
          TahoeClient.Child c = client.list(rootCap).get(name);
          if (c == null || !c.directory()) {
            throw new TahoeException("the store's directory on the grid has '" + name + "' but it is not a directory");
          }
          cap = c.cap();
        }
        shards.put(name, cap);
      }
      return cap;
    }
  }

  private static void complete(CompletableFuture<Void> f, Throwable failure) {
    if (failure == null) {
      f.complete(null);
    } else {
      f.completeExceptionally(failure);
    }
  }

  /**
   * The shard of a key: its first two characters ('.' mapped to '_', so that no shard is "." or
   * ".."), padded with '_' for a one-character key.
   */
  static String shardOf(String key) {
    String b = key.length() >= 2 ? key.substring(0, 2) : key + "_";
    return b.replace('.', '_');
  }

  /** Every shard name in use, for tests. */
  List<String> shardNames() {
    return new ArrayList<>(shards.keySet());
  }
}
