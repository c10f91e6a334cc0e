package io.chunkstore.control;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayOutputStream;
import java.io.Closeable;
import java.io.IOException;
import java.net.ConnectException;
import java.net.SocketException;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Duration;
import java.util.function.Consumer;

/**
 * Talks to a mount daemon over its store's control socket.
 *
 * <pre>{@code
 * try (ControlClient daemon = ControlClient.connect(storeDir)) {
 *   JsonNode stats = daemon.call("stats");
 * } catch (NotMountedException e) {
 *   // no live mount: open the store directly
 * }
 * }</pre>
 *
 * <p>One request at a time per client; open several clients for concurrent requests. Not
 * thread-safe.
 */
public final class ControlClient implements Closeable {
  /** The longest reply line read. */
  private static final int MAX_REPLY_LINE = 64 << 20;

  private final Path socket;
  private final SocketChannel ch;
  private final Selector selector;
  private final SelectionKey key;
  private final ByteBuffer readBuf = ByteBuffer.allocate(64 << 10);
  private final ByteArrayOutputStream pending = new ByteArrayOutputStream();
  private Duration timeout = Duration.ZERO;

  private ControlClient(Path socket, SocketChannel ch) throws IOException {
    this.socket = socket;
    this.ch = ch;
    ch.configureBlocking(false);
    this.selector = Selector.open();
    this.key = ch.register(selector, SelectionKey.OP_READ);
  }

  /**
   * Connects to the daemon that has {@code storeDir} mounted.
   *
   * @throws NotMountedException if there is no socket, or one that nobody listens on any more
   *     (its daemon was killed)
   * @throws AccessDeniedException if this user may not use the socket
   */
  public static ControlClient connect(Path storeDir) throws IOException {
    Path socket = storeDir.resolve(ControlServer.SOCKET_NAME);
    if (!Files.exists(socket, LinkOption.NOFOLLOW_LINKS)) {
      throw new NotMountedException(socket, "there is no socket");
    }
    SocketChannel ch;
    try {
      ch = SocketChannel.open(UnixDomainSocketAddress.of(socket));
    } catch (ConnectException e) {
      throw new NotMountedException(socket, "it is left over from a daemon that stopped without removing it");
    } catch (SocketException e) {
      if (String.valueOf(e.getMessage()).contains("Permission denied")) {
        throw new AccessDeniedException(socket.toString(), null,
            "only the user who mounted the store, and root, may use its control socket");
      }
      throw e;
    }
    try {
      return new ControlClient(socket, ch);
    } catch (IOException | RuntimeException e) {
      ch.close();
      throw e;
    }
  }

  /**
   * Fails a call when the daemon sends nothing for {@code idle} (progress lines count);
   * {@link Duration#ZERO}, the default, waits as long as it takes.
   */
  public ControlClient timeout(Duration idle) {
    this.timeout = idle;
    return this;
  }

  /** A request for {@code op}, to add fields to. */
  public static ObjectNode request(String op) {
    ObjectNode o = ControlServer.JSON.createObjectNode();
    o.put("op", op);
    return o;
  }

  /** Sends {@code {"op": op}} and returns the result; progress is dropped. */
  public JsonNode call(String op) throws IOException {
    return call(request(op), p -> {});
  }

  /**
   * Sends {@code request} and returns its result, handing every progress line to
   * {@code onProgress} on the way.
   *
   * @throws ControlException with the daemon's sentence if it answers with an error
   * @throws IOException if the connection breaks or the timeout passes
   */
  public JsonNode call(ObjectNode request, Consumer<JsonNode> onProgress) throws IOException {
    byte[] json = ControlServer.JSON.writeValueAsBytes(request);
    ByteBuffer out = ByteBuffer.allocate(json.length + 1).put(json).put((byte) '\n').flip();
    try {
      write(out);
    } catch (IOException e) {
      // a daemon that refuses this client says why, then closes: read that before the pipe broke
      throw refusalOr(e);
    }
    while (true) {
      byte[] line = readLine();
      if (line == null) {
        throw new IOException("the mount daemon closed its control connection before it answered"
            + " (is it unmounting?)");
      }
      JsonNode reply;
      try {
        reply = ControlServer.JSON.readTree(line);
      } catch (JsonProcessingException e) {
        throw new IOException("the mount daemon sent a line that is not JSON on " + socket, e);
      }
      switch (reply.path("type").asText()) {
        case "progress" -> onProgress.accept(reply.path("value"));
        case "result" -> {
          return reply.path("value");
        }
        case "error" -> throw new ControlException(reply.path("message").asText("the mount daemon reported an error"));
        default -> {
          // a kind of line this client does not know: newer daemons may add some
        }
      }
    }
  }

  /** The daemon's error line, if it sent one before closing, else {@code broken}. */
  private IOException refusalOr(IOException broken) {
    try {
      byte[] line = readLine();
      if (line != null) {
        JsonNode reply = ControlServer.JSON.readTree(line);
        if ("error".equals(reply.path("type").asText())) {
          return new ControlException(reply.path("message").asText());
        }
      }
    } catch (IOException | RuntimeException e) {
      broken.addSuppressed(e);
    }
    return broken;
  }

  private void write(ByteBuffer out) throws IOException {
    key.interestOps(SelectionKey.OP_WRITE);
    try {
      while (out.hasRemaining()) {
        if (ch.write(out) == 0) {
          await();
        }
      }
    } finally {
      key.interestOps(SelectionKey.OP_READ);
    }
  }

  /** The next line without its newline, or null at the end of the connection. */
  private byte[] readLine() throws IOException {
    while (true) {
      byte[] have = pending.toByteArray();
      for (int i = 0; i < have.length; i++) {
        if (have[i] == '\n') {
          pending.reset();
          pending.write(have, i + 1, have.length - i - 1);
          return java.util.Arrays.copyOf(have, i);
        }
      }
      if (have.length > MAX_REPLY_LINE) {
        throw new IOException("the mount daemon sent a reply line longer than " + (MAX_REPLY_LINE >> 20) + " MiB");
      }
      readBuf.clear();
      int n = ch.read(readBuf);
      if (n < 0) {
        return null;
      }
      if (n == 0) {
        await();
        continue;
      }
      pending.write(readBuf.array(), 0, n);
    }
  }

  /** Waits until the socket is ready, at most the timeout (a wake-up without news waits on). */
  private void await() throws IOException {
    long millis = timeout.toMillis();
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      long left = millis <= 0 ? 0 : Math.max(1, (deadline - System.nanoTime()) / 1_000_000);
      int ready = selector.select(left);
      selector.selectedKeys().clear();
      if (ready > 0) {
        return;
      }
      if (millis > 0 && System.nanoTime() - deadline >= 0) {
        throw new IOException("the mount daemon did not answer on " + socket + " within "
            + (millis % 1000 == 0 ? millis / 1000 + " s" : millis + " ms"));
      }
    }
  }

  @Override
  public void close() throws IOException {
    try {
      selector.close();
    } finally {
      ch.close();
    }
  }
}
