package io.chunkstore.tahoe;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A store directory that names 10,000 packs, on a real grid: a link still costs one
 * {@code set_children} of one shard, a shard is a few dozen entries (the bytes Tahoe rewrites for
 * a link), links that arrive together share a request, and {@link GridDirectory#loadAll()} lists
 * every key. Nothing here is timed: the costs are counted (requests, through a recording proxy in
 * front of the client node) and measured (the bytes of a shard's mutable file on the grid).
 *
 * <p>Uploading 10,000 objects and linking them one by one would take the client node most of an
 * hour, so the 10,000 entries are made the cheap way: eight real immutable objects, each linked
 * under 1,250 keys, written shard by shard ({@code t=mkdir-with-children}, then one
 * {@code set_children} of the root) in exactly the layout {@link GridDirectory} uses. What is
 * measured after that goes through {@code GridDirectory}: its loadAll, and its links at 10,000.
 */
class GridDirectoryScaleTest {
  private static final int PACKS = 10_000;
  private static final int CAPS = 8;
  private static final ObjectMapper JSON = new ObjectMapper();

  @RegisterExtension static final TahoeGrid grid = TahoeGrid.shared();

  private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

  @Test
  void atTenThousandPacksALinkRewritesOneSmallShardAndLoadAllListsEveryKey() throws Exception {
    long t0 = System.nanoTime();
    SplittableRandom random = new SplittableRandom(7);
    List<String> caps = new ArrayList<>();
    for (int i = 0; i < CAPS; i++) {
      byte[] body = new byte[100]; // above Tahoe's 55 bytes for literal caps: a real CHK file with shares
      random.nextBytes(body);
      caps.add(upload(body));
    }
    Map<String, String> expected = new HashMap<>();
    Map<String, Map<String, String>> byShard = new TreeMap<>();
    while (expected.size() < PACKS) {
      String key = packId(random);
      String cap = caps.get(expected.size() % CAPS);
      if (expected.putIfAbsent(key, cap) == null) {
        byShard.computeIfAbsent(GridDirectory.shardOf(key), s -> new LinkedHashMap<>()).put(key, cap);
      }
    }
    String root = grid.newDirectory();
    Map<String, String> shardCaps = prefill(root, byShard);

    long tLoad = System.nanoTime();
    long tLinks;
    try (RecordingProxy proxy = new RecordingProxy(grid.clientUrl())) {
      GridDirectory dir = new GridDirectory(new TahoeClient(proxy.url(), Duration.ofSeconds(120)), root);
      Map<String, TahoeClient.Child> all = dir.loadAll();
      assertEquals(PACKS, all.size(), "loadAll lists every key");
      expected.forEach((k, c) -> assertEquals(c, all.get(k).cap(), "the cap of " + k));
      assertEquals(256, dir.shardCount(), "10,000 random pack ids use all 256 shards");
      assertEquals(1 + 256, proxy.count("GET", "json"), "loadAll reads the root and each shard once");
      tLinks = System.nanoTime();

      // The bytes a link makes Tahoe rewrite: one shard's mutable file, never the whole directory.
      String biggest = byShard.entrySet().stream().max(Map.Entry.comparingByValue(
          java.util.Comparator.comparingInt(Map::size))).orElseThrow().getKey();
      int biggestEntries = byShard.get(biggest).size();
      long biggestBytes = mutableBytes(shardCaps.get(biggest));
      long perEntry = biggestBytes / biggestEntries;
      System.err.printf("10,000 packs: 256 shards, the largest %d entries, %d bytes (%d per entry);"
          + " one flat directory would be about %d bytes%n", biggestEntries, biggestBytes, perEntry, perEntry * PACKS);
      assertTrue(biggestEntries <= 100, "no shard holds more than 100 of 10,000 random ids: " + biggestEntries);
      assertTrue(biggestBytes <= 64 << 10, "a shard of " + biggestEntries + " entries is at most 64 KiB: " + biggestBytes);
      assertTrue(biggestBytes * 100 <= perEntry * PACKS,
          "a link rewrites at most 1% of what one flat directory of 10,000 entries would be");

      // One more pack, one at a time: one set_children of its shard, nothing else.
      long singles = System.nanoTime();
      for (int i = 0; i < 8; i++) {
        String key = packId(random);
        proxy.clear();
        dir.link(key, caps.get(i % CAPS));
        expected.put(key, caps.get(i % CAPS));
        assertEquals(List.of("POST set_children " + shardCaps.get(GridDirectory.shardOf(key))),
            proxy.requests(), "linking one pack at 10,000");
      }
      System.err.printf("one link at 10,000 packs: %.0f ms on average (8 links; not asserted)%n",
          (System.nanoTime() - singles) / 8 / 1e6);

      // Links that arrive together go in one request per shard (group commit): 48 packs of one shard at once.
      List<String> together = new ArrayList<>();
      while (together.size() < 48) {
        String key = "ab" + packId(random).substring(2);
        if (!expected.containsKey(key)) {
          together.add(key);
        }
      }
      proxy.clear();
      ExecutorService pool = Executors.newFixedThreadPool(together.size());
      try {
        CountDownLatch go = new CountDownLatch(1);
        List<Future<?>> links = new ArrayList<>();
        for (int i = 0; i < together.size(); i++) {
          String key = together.get(i);
          String cap = caps.get(i % CAPS);
          links.add(pool.submit(() -> {
            go.await();
            dir.link(key, cap);
            return null;
          }));
          expected.put(key, cap);
        }
        go.countDown();
        for (Future<?> f : links) {
          f.get();
        }
      } finally {
        pool.shutdownNow();
      }
      int requests = proxy.requests().size();
      assertEquals(requests, proxy.count("POST", "set_children"), "only set_children: " + proxy.requests());
      System.err.printf("48 concurrent links into one shard: %d set_children requests%n", requests);
      assertTrue(requests <= 12, "48 links arriving together share requests: " + requests);
    }


    // the links landed: the shards they went to hold their old entries and the new ones
    TahoeClient direct = new TahoeClient(grid.clientUrl(), Duration.ofSeconds(120));
    Map<String, List<String>> touched = new TreeMap<>();
    expected.keySet().stream().filter(k -> !byShard.getOrDefault(GridDirectory.shardOf(k), Map.of()).containsKey(k))
        .forEach(k -> touched.computeIfAbsent(GridDirectory.shardOf(k), s -> new ArrayList<>()).add(k));
    for (Map.Entry<String, List<String>> e : touched.entrySet()) {
      Map<String, TahoeClient.Child> listed = direct.list(shardCaps.get(e.getKey()));
      assertEquals(byShard.get(e.getKey()).size() + e.getValue().size(), listed.size(), "shard " + e.getKey());
      for (String k : e.getValue()) {
        assertEquals(expected.get(k), listed.get(k).cap(), "the cap of " + k);
      }
    }
    System.err.printf("GridDirectoryScaleTest phases (s): uploads and prefill %.1f, loadAll %.1f, links %.1f%n",
        (tLoad - t0) / 1e9, (tLinks - tLoad) / 1e9, (System.nanoTime() - tLinks) / 1e9);
  }

  /** A random 32-hex-digit pack id, as the store makes them. */
  private static String packId(SplittableRandom r) {
    byte[] b = new byte[16];
    r.nextBytes(b);
    return HexFormat.of().formatHex(b);
  }

  /**
   * Writes the shards the way {@link GridDirectory} lays them out: each shard a directory of its
   * keys under the root, named by {@link GridDirectory#shardOf}. The shards are made four at a
   * time (each a new mutable file), then linked into the root with one request (the root is one
   * mutable file: its writes must not overlap). Returns each shard's cap.
   */
  private Map<String, String> prefill(String root, Map<String, Map<String, String>> byShard) throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(4);
    Map<String, Future<String>> made = new TreeMap<>();
    try {
      byShard.forEach((shard, children) -> made.put(shard, pool.submit(
          () -> post("/uri?t=mkdir-with-children", children(children, "filenode", "ro_uri")))));
      Map<String, String> shardCaps = new TreeMap<>();
      for (Map.Entry<String, Future<String>> e : made.entrySet()) {
        shardCaps.put(e.getKey(), e.getValue().get());
      }
      post("/uri/" + root + "?t=set_children", children(shardCaps, "dirnode", "rw_uri"));
      return shardCaps;
    } finally {
      pool.shutdownNow();
    }
  }

  private static byte[] children(Map<String, String> caps, String kind, String capField) throws IOException {
    ObjectNode body = JSON.createObjectNode();
    caps.forEach((name, cap) -> body.putArray(name).add(kind).addObject().put(capField, cap));
    return JSON.writeValueAsBytes(body);
  }

  private String upload(byte[] body) throws Exception {
    HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(grid.clientUrl() + "/uri"))
        .PUT(HttpRequest.BodyPublishers.ofByteArray(body)).build(), HttpResponse.BodyHandlers.ofString());
    assertEquals(200, r.statusCode(), r.body());
    assertTrue(r.body().startsWith("URI:CHK:"), "a CHK cap");
    return r.body().strip();
  }

  private String post(String pathAndQuery, byte[] body) throws Exception {
    HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(grid.clientUrl() + pathAndQuery))
        .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(), HttpResponse.BodyHandlers.ofString());
    assertTrue(r.statusCode() == 200 || r.statusCode() == 201, r.statusCode() + ": " + r.body());
    return r.body().strip();
  }

  /**
   * The size of a directory's mutable file on the grid: what Tahoe downloads, re-encrypts and
   * uploads again for every change. A directory write cap {@code URI:DIR2:K:F} wraps the mutable
   * file {@code URI:SSK:K:F}.
   */
  private long mutableBytes(String dircap) throws Exception {
    assertTrue(dircap.startsWith("URI:DIR2:"), "a directory write cap");
    String ssk = "URI:SSK:" + dircap.substring("URI:DIR2:".length());
    HttpResponse<byte[]> r = http.send(HttpRequest.newBuilder(URI.create(grid.clientUrl() + "/uri/" + ssk)).build(),
        HttpResponse.BodyHandlers.ofByteArray());
    assertEquals(200, r.statusCode());
    return r.body().length;
  }

  /**
   * A proxy in front of the client node that forwards every request unchanged and writes down
   * what was asked: method, {@code t=} and the cap in the path.
   */
  private static final class RecordingProxy implements AutoCloseable {
    private final HttpServer server;
    private final URI node;
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    private final List<String> seen = new CopyOnWriteArrayList<>();

    RecordingProxy(URI node) throws IOException {
      this.node = node;
      server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 64);
      server.setExecutor(Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "recording-proxy");
        t.setDaemon(true);
        return t;
      }));
      server.createContext("/", this::forward);
      server.start();
    }

    URI url() {
      return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
    }

    private void forward(HttpExchange x) throws IOException {
      try (x) {
        byte[] body = x.getRequestBody().readAllBytes();
        URI u = x.getRequestURI();
        String path = u.getRawPath();
        String query = u.getRawQuery() == null ? "" : u.getRawQuery();
        String t = query.replaceAll(".*(?:^|&)t=([^&]*).*", "$1");
        String cap = path.startsWith("/uri/") ? path.substring(5).split("/")[0] : "";
        seen.add(x.getRequestMethod() + " " + (query.contains("t=") ? t : "-") + (cap.isEmpty() ? "" : " " + cap));
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(node + path + (query.isEmpty() ? "" : "?" + query)))
            .method(x.getRequestMethod(), body.length == 0 && !"PUT".equals(x.getRequestMethod())
                ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofByteArray(body));
        String range = x.getRequestHeaders().getFirst("Range");
        if (range != null) {
          b.header("Range", range);
        }
        HttpResponse<byte[]> r = http.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
        x.sendResponseHeaders(r.statusCode(), r.body().length == 0 ? -1 : r.body().length);
        x.getResponseBody().write(r.body());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }

    List<String> requests() {
      return List.copyOf(seen);
    }

    long count(String method, String t) {
      return seen.stream().filter(s -> s.startsWith(method + " " + t)).count();
    }

    void clear() {
      seen.clear();
    }

    @Override
    public void close() {
      server.stop(0);
    }
  }
}
