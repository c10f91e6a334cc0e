package io.chunkstore.control;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedReader;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The control socket on its own, with real sockets and real processes: mode 0600 from the
 * start, other users kept out (by the mode, and by peer credentials when the mode is opened),
 * requests answered with progress then one result, bad requests with one sentence, clients
 * served at once, cancellation when a client goes or the daemon stops, and a stale socket
 * replaced.
 */
class ControlServerTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir
  Path tmp;

  private Path store;
  private ControlServer server;

  @BeforeEach
  void storeDir() throws Exception {
    // world-searchable, as a store under /home usually is: only the socket's own mode guards it
    Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwxr-xr-x"));
    store = Files.createDirectory(tmp.resolve("store"),
        PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwxr-xr-x")));
  }

  @AfterEach
  void stop() throws Exception {
    if (server != null) {
      server.close();
    }
  }

  private ControlServer start() throws Exception {
    server = ControlServer.bind(store.resolve(ControlServer.SOCKET_NAME));
    server.register("echo", (req, progress) -> req.body());
    server.register("count", (req, progress) -> {
      long n = req.number("to", 3);
      for (long i = 1; i <= n; i++) {
        progress.send(JSON.createObjectNode().put("done", i));
      }
      return JSON.createObjectNode().put("counted", n);
    });
    server.register("fail", (req, progress) -> {
      throw new java.io.IOException("the disk is full\n(second line for the log)");
    });
    server.start();
    return server;
  }

  private static ObjectNode request(String op) {
    return ControlClient.request(op);
  }

  @Test
  void theSocketIsMode0600OwnedByTheDaemonAndGoneAfterClose() throws Exception {
    start();
    Path sock = store.resolve("control.sock");
    assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(sock, LinkOption.NOFOLLOW_LINKS)));
    assertEquals(Files.getOwner(Path.of("/proc/self")), Files.getOwner(sock, LinkOption.NOFOLLOW_LINKS));
    try (var s = Files.list(store)) {
      assertEquals(List.of(sock), s.toList(), "no private bind directory is left behind");
    }
    server.close();
    assertFalse(Files.exists(sock, LinkOption.NOFOLLOW_LINKS), "close removes the socket");
    assertThrows(NotMountedException.class, () -> ControlClient.connect(store));
  }

  @Test
  void aRequestGetsItsProgressThenOneResult() throws Exception {
    start();
    try (ControlClient c = ControlClient.connect(store)) {
      List<Long> progress = new ArrayList<>();
      JsonNode r = c.call(request("count").put("to", 4), p -> progress.add(p.path("done").asLong()));
      assertEquals(List.of(1L, 2L, 3L, 4L), progress);
      assertEquals(4, r.path("counted").asLong());
      // the same connection takes the next request
      assertEquals("x", c.call(request("echo").put("word", "x"), p -> {}).path("word").asText());
    }
  }

  @Test
  void everyLineOfAnAnswerEchoesTheRequestsId() throws Exception {
    start();
    try (SocketChannel ch = SocketChannel.open(UnixDomainSocketAddress.of(store.resolve("control.sock")))) {
      ch.write(ByteBuffer.wrap("{\"op\":\"count\",\"to\":2,\"id\":\"r1\"}\n".getBytes(StandardCharsets.UTF_8)));
      BufferedReader r = new BufferedReader(Channels.newReader(ch, StandardCharsets.UTF_8));
      List<String> types = new ArrayList<>();
      for (int i = 0; i < 3; i++) {
        JsonNode line = JSON.readTree(r.readLine());
        assertEquals("r1", line.path("id").asText(), "id in " + line);
        types.add(line.path("type").asText());
      }
      assertEquals(List.of("progress", "progress", "result"), types);
    }
  }

  @Test
  void badRequestsGetOneSentenceEachAndTheConnectionStaysUsable() throws Exception {
    start();
    try (SocketChannel ch = SocketChannel.open(UnixDomainSocketAddress.of(store.resolve("control.sock")))) {
      String requests = String.join("\n", "this is not json", "[1,2]", "{\"no\":\"op\"}", "{\"op\":\"defrag\"}",
          "{\"op\":\"count\",\"to\":\"many\"}", "{\"op\":\"fail\"}", "{\"op\":\"echo\",\"ok\":true}") + "\n";
      ch.write(ByteBuffer.wrap(requests.getBytes(StandardCharsets.UTF_8)));
      BufferedReader r = new BufferedReader(Channels.newReader(ch, StandardCharsets.UTF_8));
      List<String> messages = new ArrayList<>();
      for (int i = 0; i < 6; i++) {
        JsonNode line = JSON.readTree(r.readLine());
        assertEquals("error", line.path("type").asText(), line.toString());
        String m = line.path("message").asText();
        assertFalse(m.isBlank() || m.contains("\n") || m.contains("Exception"), "one plain sentence: " + m);
        messages.add(m);
      }
      assertTrue(messages.get(0).contains("one JSON object per line"), messages.get(0));
      assertTrue(messages.get(1).contains("one JSON object per line"), messages.get(1));
      assertTrue(messages.get(2).contains("needs an \"op\""), messages.get(2));
      assertTrue(messages.get(3).contains("no operation \"defrag\"") && messages.get(3).contains("count, echo, fail"),
          messages.get(3));
      assertTrue(messages.get(4).contains("\"to\" must be a whole number"), messages.get(4));
      assertEquals("the disk is full", messages.get(5));
      JsonNode last = JSON.readTree(r.readLine());
      assertEquals("result", last.path("type").asText(), "a good request after bad ones: " + last);
    }
    try (ControlClient c = ControlClient.connect(store)) {
      ControlException e = assertThrows(ControlException.class, () -> c.call("defrag"));
      assertTrue(e.getMessage().startsWith("the mount daemon has no operation"), e.getMessage());
    }
  }

  @Test
  void aRequestLongerThanTheLimitEndsTheConnectionWithASentence() throws Exception {
    start();
    try (SocketChannel ch = SocketChannel.open(UnixDomainSocketAddress.of(store.resolve("control.sock")))) {
      byte[] big = new byte[ControlServer.MAX_LINE + 10];
      java.util.Arrays.fill(big, (byte) 'x');
      ch.write(ByteBuffer.wrap(big));
      BufferedReader r = new BufferedReader(Channels.newReader(ch, StandardCharsets.UTF_8));
      JsonNode line = JSON.readTree(r.readLine());
      assertTrue(line.path("message").asText().contains("longer than 1 MiB"), line.toString());
      assertEquals(null, r.readLine(), "then the daemon closes the connection");
    }
  }

  @Test
  void severalClientsAreServedAtOnce() throws Exception {
    int clients = 8;
    CyclicBarrier allIn = new CyclicBarrier(clients);
    start();
    // each answer waits for every client's request to be in a handler at the same time
    server.register("meet", (req, progress) -> {
      allIn.await(30, TimeUnit.SECONDS);
      return JSON.createObjectNode().put("met", true);
    });
    ExecutorService pool = Executors.newFixedThreadPool(clients);
    try {
      List<Future<JsonNode>> answers = new ArrayList<>();
      for (int i = 0; i < clients; i++) {
        answers.add(pool.submit(() -> {
          try (ControlClient c = ControlClient.connect(store).timeout(Duration.ofSeconds(60))) {
            return c.call("meet");
          }
        }));
      }
      for (Future<JsonNode> a : answers) {
        assertTrue(a.get(90, TimeUnit.SECONDS).path("met").asBoolean());
      }
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void oneClientMoreThanTheLimitIsToldToTryAgain() throws Exception {
    start();
    List<ControlClient> held = new ArrayList<>();
    try {
      for (int i = 0; i < ControlServer.MAX_CLIENTS; i++) {
        ControlClient c = ControlClient.connect(store);
        held.add(c);
        c.call("echo"); // served: its slot is taken
      }
      try (ControlClient extra = ControlClient.connect(store)) {
        ControlException e = assertThrows(ControlException.class, () -> extra.call("echo"));
        assertTrue(e.getMessage().contains("try again"), e.getMessage());
      }
      held.remove(0).close();
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      while (true) {
        try (ControlClient again = ControlClient.connect(store)) {
          again.call("echo");
          break;
        } catch (ControlException busy) {
          assertTrue(System.nanoTime() < deadline, "a freed slot is taken again");
          Thread.sleep(20);
        }
      }
    } finally {
      for (ControlClient c : held) {
        c.close();
      }
    }
  }

  @Test
  void aClientGivesUpOnADaemonThatSaysNothingForItsTimeout() throws Exception {
    start();
    CountDownLatch release = new CountDownLatch(1);
    server.register("stuck", (req, progress) -> {
      release.await(60, TimeUnit.SECONDS);
      return null;
    });
    try (ControlClient c = ControlClient.connect(store).timeout(Duration.ofMillis(300))) {
      long start = System.nanoTime();
      java.io.IOException e = assertThrows(java.io.IOException.class, () -> c.call("stuck"));
      assertTrue(e.getMessage().contains("did not answer") && e.getMessage().contains("within 300 ms"), e.getMessage());
      assertTrue(System.nanoTime() - start >= TimeUnit.MILLISECONDS.toNanos(300), "not before the timeout");
    } finally {
      release.countDown();
    }
  }

  @Test
  void aClientThatGoesAwayCancelsItsRequest() throws Exception {
    start();
    CountDownLatch running = new CountDownLatch(1);
    CountDownLatch sawCancel = new CountDownLatch(1);
    server.register("long", (req, progress) -> {
      running.countDown();
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
      while (!progress.cancelled() && System.nanoTime() < deadline) {
        Thread.sleep(5);
      }
      if (progress.cancelled()) {
        sawCancel.countDown();
      }
      return null;
    });
    SocketChannel ch = SocketChannel.open(UnixDomainSocketAddress.of(store.resolve("control.sock")));
    ch.write(ByteBuffer.wrap("{\"op\":\"long\"}\n".getBytes(StandardCharsets.UTF_8)));
    assertTrue(running.await(30, TimeUnit.SECONDS));
    ch.close();
    assertTrue(sawCancel.await(30, TimeUnit.SECONDS), "the handler saw the client go");
  }

  @Test
  void closingTheServerCancelsRunningRequestsAndWaitsForThem() throws Exception {
    start();
    CountDownLatch running = new CountDownLatch(1);
    CountDownLatch finished = new CountDownLatch(1);
    server.register("long", (req, progress) -> {
      running.countDown();
      while (!progress.cancelled()) {
        Thread.sleep(5);
      }
      Thread.sleep(200); // a safe point takes a moment to reach
      finished.countDown();
      return JSON.createObjectNode().put("stopped", true);
    });
    try (ControlClient c = ControlClient.connect(store)) {
      ExecutorService one = Executors.newSingleThreadExecutor();
      Future<JsonNode> answer = one.submit(() -> c.call("long"));
      assertTrue(running.await(30, TimeUnit.SECONDS));
      server.close();
      assertEquals(0, finished.getCount(), "close returned only after the running request finished");
      assertTrue(answer.get(30, TimeUnit.SECONDS).path("stopped").asBoolean(), "and its answer went out");
      one.shutdown();
    }
  }

  @Test
  void aStaleSocketMeansNotMountedAndTheNextBindReplacesIt() throws Exception {
    Path sock = store.resolve("control.sock");
    // what a daemon killed with -9 leaves: a socket file that nobody listens on
    try (ServerSocketChannel dead = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
      dead.bind(UnixDomainSocketAddress.of(sock));
    }
    assertTrue(Files.exists(sock, LinkOption.NOFOLLOW_LINKS));
    NotMountedException e = assertThrows(NotMountedException.class, () -> ControlClient.connect(store));
    assertTrue(e.getMessage().contains("left over"), e.getMessage());
    start();
    try (ControlClient c = ControlClient.connect(store)) {
      assertTrue(c.call(request("echo").put("alive", true), p -> {}).path("alive").asBoolean());
    }
    assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(sock, LinkOption.NOFOLLOW_LINKS)));
  }

  @Test
  void aBindDirectoryLeftByADaemonKilledWhileBindingIsRemoved() throws Exception {
    Path left = Files.createDirectory(store.resolve(".control-1a2b3c"));
    try (ServerSocketChannel dead = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
      dead.bind(UnixDomainSocketAddress.of(left.resolve("s")));
    }
    start();
    try (var s = Files.list(store)) {
      assertEquals(List.of(store.resolve("control.sock")), s.toList());
    }
  }

  @Test
  void anotherUserCannotConnectThroughTheSocketsMode() throws Exception {
    OtherUserClient.assumeRoot();
    start();
    String out = OtherUserClient.send(store.resolve("control.sock"), "{\"op\":\"echo\"}");
    assertTrue(out.startsWith("FAILED") && out.contains("Permission denied"), out);
  }

  @Test
  void anotherUserIsRefusedByItsCredentialsEvenIfTheModeLetsItIn() throws Exception {
    OtherUserClient.assumeRoot();
    start();
    Path sock = store.resolve("control.sock");
    Files.setPosixFilePermissions(sock, PosixFilePermissions.fromString("rw-rw-rw-"));
    String out = OtherUserClient.send(sock, "{\"op\":\"echo\"}");
    assertTrue(out.startsWith("REPLY "), out);
    JsonNode reply = JSON.readTree(out.substring(6));
    assertEquals("error", reply.path("type").asText(), out);
    assertTrue(reply.path("message").asText().startsWith("permission denied: only root"), out);
  }

  @Test
  void operationNamesAreCheckedAndTakenOnce() throws Exception {
    start();
    assertThrows(IllegalArgumentException.class, () -> server.register("echo", (r, p) -> null));
    assertThrows(IllegalArgumentException.class, () -> server.register("Bad Name", (r, p) -> null));
    assertEquals(List.of("count", "echo", "fail"), server.operations());
  }
}
