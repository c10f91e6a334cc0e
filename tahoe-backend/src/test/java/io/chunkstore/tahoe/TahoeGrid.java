package io.chunkstore.tahoe;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A real Tahoe-LAFS grid on 127.0.0.1 for tests: one introducer, four storage nodes and one
 * client node, 2-of-4 encoding with shares.happy 3, the storage nodes' reserved space lowered so
 * that a busy test machine still takes shares. Every node listens on a free port and runs as
 * {@code tahoe run --allow-stdin-close}.
 *
 * <p>Starting a grid takes from a few seconds to a minute on a loaded machine (twelve Python
 * processes), so every test class of a JVM shares one: {@link #shared()} starts it before the
 * first class that registers it, and it is stopped when the test run ends (JUnit closes it),
 * also when tests failed, or by a shutdown hook if the JVM goes down first. Tests use a fresh
 * store directory each, so sharing is safe; a test that stops a node starts it again, and after
 * each class every node is made to run again in case one did not.
 *
 * <pre>{@code
 * @RegisterExtension static final TahoeGrid grid = TahoeGrid.shared();
 * }</pre>
 *
 * <p>{@code tahoe} is found on PATH, else in the repository's {@code .venv} (what
 * {@code bin/setup --test} installs).
 */
public final class TahoeGrid implements BeforeAllCallback, AfterAllCallback {
  public static final int STORAGE_NODES = 4;
  private static final ObjectMapper JSON = new ObjectMapper();

  private final List<Node> storage = new ArrayList<>();
  private Node introducer;
  private Node client;
  private Path base;
  private Path tahoe;
  private int clientWebPort;
  private Thread hook;
  private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofSeconds(5)).build();

  /** One node: its directory and, while it runs, its process. */
  public final class Node {
    final String name;
    final Path dir;
    Process process;

    Node(String name) {
      this.name = name;
      this.dir = base.resolve(name);
    }

    /** Starts the node; it keeps running when our stdin closes. */
    public void start() throws IOException {
      if (process != null && process.isAlive()) {
        return;
      }
      Files.deleteIfExists(dir.resolve("running.process")); // a killed node leaves it behind
      process = new ProcessBuilder(tahoe.toString(), "run", "--allow-stdin-close", dir.toString())
          .redirectErrorStream(true)
          .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("run.log").toFile()))
          .redirectInput(ProcessBuilder.Redirect.PIPE)
          .start();
      process.getOutputStream().close();
    }

    /**
     * Stops the node (SIGTERM, then SIGKILL after 10 s) and waits until it is gone; for a storage
     * node also until the client has noticed, so that a later wait for connected servers sees
     * new connections, not stale ones.
     */
    public void stop() {
      if (process == null) {
        return;
      }
      kill();
      if (storage.contains(this) && client != null && client.running()) {
        try {
          waitFor(() -> !connectedNicknames().contains(name), Duration.ofSeconds(60),
              "the client to notice that " + name + " stopped", null);
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
    }

    private void kill() {
      if (process == null) {
        return;
      }
      Process p = process;
      process = null;
      List<ProcessHandle> children = p.descendants().toList();
      p.destroy();
      try {
        if (!p.waitFor(10, TimeUnit.SECONDS)) {
          p.destroyForcibly();
          p.waitFor(10, TimeUnit.SECONDS);
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        p.destroyForcibly();
      }
      children.forEach(ProcessHandle::destroyForcibly);
    }

    public boolean running() {
      return process != null && process.isAlive();
    }

    public Path directory() {
      return dir;
    }
  }

  private static final TahoeGrid SHARED = new TahoeGrid();

  private TahoeGrid() {}

  /** The grid this JVM's tests share. */
  public static TahoeGrid shared() {
    return SHARED;
  }

  @Override
  public void beforeAll(ExtensionContext context) throws Exception {
    synchronized (this) {
      if (client == null) {
        start();
        // closed when the whole test run ends
        context.getRoot().getStore(ExtensionContext.Namespace.GLOBAL).put(TahoeGrid.class.getName(), new Stopper());
      }
    }
  }

  /** Stops the grid when JUnit closes the root context's store at the end of the run. */
  private final class Stopper implements AutoCloseable, ExtensionContext.Store.CloseableResource {
    @Override
    public void close() {
      stop();
    }
  }

  @Override
  public void afterAll(ExtensionContext context) throws Exception {
    boolean restarted = false;
    for (Node n : storage) {
      if (!n.running()) {
        n.start();
        restarted = true;
      }
    }
    if (!client.running()) {
      client.start();
      restarted = true;
    }
    if (restarted) {
      awaitConnectedServers(STORAGE_NODES, Duration.ofSeconds(120));
    }
  }

  /** Creates the nodes and starts them; returns once the client sees every storage server. */
  public void start() throws IOException, InterruptedException {
    long t0 = System.nanoTime();
    tahoe = findTahoe();
    base = Files.createTempDirectory("chunkstore-grid-");
    hook = new Thread(this::stopAll, "tahoe-grid-stop");
    Runtime.getRuntime().addShutdownHook(hook);
    boolean ok = false;
    try {
      introducer = new Node("introducer");
      int introPort = freePort();
      run(List.of(tahoe.toString(), "create-introducer", "--listen=tcp",
          "--port=tcp:" + introPort + ":interface=127.0.0.1", "--location=tcp:127.0.0.1:" + introPort,
          introducer.dir.toString()));
      introducer.start();
      Path furlFile = introducer.dir.resolve("private").resolve("introducer.furl");
      waitFor(() -> Files.isRegularFile(furlFile) && Files.size(furlFile) > 0, Duration.ofSeconds(60),
          "the introducer to write its fURL", introducer);
      String furl = Files.readString(furlFile).strip();
      phase("introducer up", t0);

      List<Process> creating = new ArrayList<>();
      for (int i = 0; i < STORAGE_NODES; i++) {
        Node n = new Node("storage" + i);
        storage.add(n);
        int port = freePort();
        creating.add(spawn(List.of(tahoe.toString(), "create-node", "--nickname=storage" + i, "--introducer=" + furl,
            "--listen=tcp", "--port=tcp:" + port + ":interface=127.0.0.1", "--location=tcp:127.0.0.1:" + port,
            "--webport=none", "--shares-needed=2", "--shares-happy=3", "--shares-total=4", n.dir.toString())));
      }
      client = new Node("client");
      clientWebPort = freePort();
      creating.add(spawn(List.of(tahoe.toString(), "create-client", "--nickname=client", "--introducer=" + furl,
          "--webport=tcp:" + clientWebPort + ":interface=127.0.0.1", "--shares-needed=2", "--shares-happy=3",
          "--shares-total=4", client.dir.toString())));
      for (Process p : creating) {
        if (p.waitFor() != 0) {
          throw new IOException("tahoe create-node failed: " + new String(p.getInputStream().readAllBytes(),
              StandardCharsets.UTF_8));
        }
      }
      phase("nodes created", t0);
      for (Node n : storage) {
        setReservedSpace(n, "10M");
        n.start();
      }
      client.start();
      waitFor(() -> connectedServers() >= 0, Duration.ofSeconds(60), "the client's web API", client);
      phase("client answers", t0);
      awaitConnectedServers(STORAGE_NODES, Duration.ofSeconds(120));
      System.err.printf("test grid in %s up in %.1f s%n", base, (System.nanoTime() - t0) / 1e9);
      ok = true;
    } finally {
      if (!ok) {
        stop();
      }
    }
  }

  /** Stops every node and deletes the grid's directories. */
  public void stop() {
    stopAll();
    if (hook != null) {
      try {
        Runtime.getRuntime().removeShutdownHook(hook);
      } catch (IllegalStateException shuttingDown) {
        // the hook runs
      }
      hook = null;
    }
    if (base != null) {
      try (Stream<Path> s = Files.walk(base)) {
        s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      } catch (IOException | UncheckedIOException e) {
        // a temp dir left behind
      }
    }
  }

  private void stopAll() {
    if (client != null) {
      client.kill();
    }
    storage.forEach(Node::kill);
    if (introducer != null) {
      introducer.kill();
    }
  }

  /** The client node's web API. */
  public URI clientUrl() {
    return URI.create("http://127.0.0.1:" + clientWebPort);
  }

  public Node client() {
    return client;
  }

  public Node storage(int i) {
    return storage.get(i);
  }

  /** Sets a storage node's reserved_space (takes effect at its next start). */
  public void setReservedSpace(Node n, String size) throws IOException {
    Path cfg = n.dir.resolve("tahoe.cfg");
    String text = Files.readString(cfg);
    String changed = text.replaceAll("(?m)^reserved_space\\s*=.*$", "reserved_space = " + size);
    if (changed.equals(text) && !text.contains("reserved_space = " + size)) {
      changed = text.replace("[storage]\n", "[storage]\nreserved_space = " + size + "\n");
    }
    Files.writeString(cfg, changed);
  }

  /** The nicknames of the storage servers the client is connected to (empty if it does not answer). */
  java.util.Set<String> connectedNicknames() {
    java.util.Set<String> names = new java.util.HashSet<>();
    try {
      HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(clientUrl() + "/?t=json"))
          .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
      for (JsonNode s : JSON.readTree(r.body()).path("servers")) {
        if ("connected".equalsIgnoreCase(s.path("connection_status").asText())) {
          names.add(s.path("nickname").asText());
        }
      }
    } catch (IOException e) {
      // not answering: none
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    return names;
  }

  /** How many storage servers the client node is connected to now (-1 if it does not answer). */
  public int connectedServers() {
    try {
      HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(clientUrl() + "/?t=json"))
          .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
      if (r.statusCode() != 200) {
        return -1;
      }
      int n = 0;
      for (JsonNode s : JSON.readTree(r.body()).path("servers")) {
        if ("connected".equalsIgnoreCase(s.path("connection_status").asText())) {
          n++;
        }
      }
      return n;
    } catch (IOException e) {
      return -1;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return -1;
    }
  }

  /** Waits until the client node sees exactly {@code n} connected storage servers. */
  public void awaitConnectedServers(int n, Duration timeout) throws IOException, InterruptedException {
    waitFor(() -> connectedServers() == n, timeout, "the client to see " + n + " connected storage servers", client);
  }

  /** A new, empty store directory on the grid: its write cap. */
  public String newDirectory() throws IOException, InterruptedException {
    HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(clientUrl() + "/uri?t=mkdir"))
        .POST(HttpRequest.BodyPublishers.noBody()).timeout(Duration.ofSeconds(60)).build(),
        HttpResponse.BodyHandlers.ofString());
    if (r.statusCode() != 200) {
      throw new IOException("mkdir on the test grid answered " + r.statusCode() + ": " + r.body());
    }
    return r.body().strip();
  }

  // ---- plumbing

  private static void phase(String what, long t0) {
    System.err.printf("test grid: %s after %.1f s%n", what, (System.nanoTime() - t0) / 1e9);
  }

  interface Check {
    boolean ok() throws IOException;
  }

  private static void waitFor(Check c, Duration timeout, String what, Node watched)
      throws IOException, InterruptedException {
    long end = System.nanoTime() + timeout.toNanos();
    while (!c.ok()) {
      if (watched != null && watched.process != null && !watched.process.isAlive()) {
        throw new IOException("tahoe node " + watched.name + " exited while waiting for " + what + "; see "
            + watched.dir.resolve("run.log") + ":\n" + tail(watched.dir.resolve("run.log")));
      }
      if (System.nanoTime() > end) {
        throw new IOException("timed out after " + timeout.toSeconds() + " s waiting for " + what);
      }
      Thread.sleep(200);
    }
  }

  private static String tail(Path log) {
    try {
      List<String> lines = Files.readAllLines(log);
      return String.join("\n", lines.subList(Math.max(0, lines.size() - 20), lines.size()));
    } catch (IOException e) {
      return "";
    }
  }

  private static Process spawn(List<String> cmd) throws IOException {
    return new ProcessBuilder(cmd).redirectErrorStream(true).redirectInput(ProcessBuilder.Redirect.PIPE).start();
  }

  private static void run(List<String> cmd) throws IOException, InterruptedException {
    Process p = spawn(cmd);
    p.getOutputStream().close();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (p.waitFor() != 0) {
      throw new IOException(String.join(" ", cmd.subList(0, 2)) + " failed: " + out);
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  /** {@code tahoe} on PATH, else in a {@code .venv} of this directory or one above it. */
  static Path findTahoe() throws IOException {
    for (String d : System.getenv().getOrDefault("PATH", "").split(":")) {
      Path p = Path.of(d.isEmpty() ? "." : d, "tahoe");
      if (Files.isExecutable(p)) {
        return p;
      }
    }
    for (Path d = Path.of("").toAbsolutePath(); d != null; d = d.getParent()) {
      Path p = d.resolve(".venv").resolve("bin").resolve("tahoe");
      if (Files.isExecutable(p)) {
        return p;
      }
    }
    throw new IOException("the Tahoe-LAFS tests need 'tahoe' (1.20.0) on PATH or in the repository's .venv;"
        + " install it with: bin/setup --test");
  }
}
