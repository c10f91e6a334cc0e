package io.chunkstore.control;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayOutputStream;
import java.io.Closeable;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipal;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Pattern;
import jdk.net.ExtendedSocketOptions;
import jdk.net.UnixDomainPrincipal;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The mount daemon's control socket: a Unix domain socket that takes one JSON request per line
 * and answers each with progress lines and one final result or error line (the protocol is in
 * the {@linkplain io.chunkstore.control package documentation}).
 *
 * <p>Only the user who runs the daemon and root get in: the socket is made in a private (0700)
 * directory, given mode 0600 there and only then renamed into place, so it is never reachable
 * with wider permissions; on Linux each client's credentials ({@code SO_PEERCRED}) are checked
 * as well. Several clients are served at once, each connection's requests in order.
 *
 * <pre>{@code
 * try (ControlServer server = ControlServer.bind(storeDir.resolve(ControlServer.SOCKET_NAME))) {
 *   server.register("stats", (request, progress) -> statsAsJson());
 *   server.start();
 *   ...
 * } // removes the socket
 * }</pre>
 */
public final class ControlServer implements ControlRegistry, Closeable {
  /** The socket's name in the store's directory. */
  public static final String SOCKET_NAME = "control.sock";
  /** The longest request line taken; a longer one ends the connection. */
  static final int MAX_LINE = 1 << 20;
  /** Connections served at once; one more is refused with a sentence. */
  static final int MAX_CLIENTS = 16;
  /** How long {@link #close()} lets running requests notice that they are cancelled. */
  private static final long CANCEL_GRACE_MILLIS = TimeUnit.SECONDS.toMillis(60);
  private static final String BIND_DIR_PREFIX = ".control-";
  private static final Pattern OP_NAME = Pattern.compile("[a-z][a-z0-9-]{0,31}");
  static final ObjectMapper JSON = new ObjectMapper();
  private static final Logger log = LoggerFactory.getLogger(ControlServer.class);

  private final Path socket;
  private final Object socketKey;
  private final ServerSocketChannel server;
  private final UserPrincipal owner;
  private final Map<String, ControlHandler> handlers = new ConcurrentSkipListMap<>();
  private final Set<Connection> connections = ConcurrentHashMap.newKeySet();
  private final Semaphore slots = new Semaphore(MAX_CLIENTS);
  private final ExecutorService threads;
  private Thread acceptor;
  private volatile boolean closed;

  private ControlServer(Path socket, Object socketKey, ServerSocketChannel server, UserPrincipal owner) {
    this.socket = socket;
    this.socketKey = socketKey;
    this.server = server;
    this.owner = owner;
    AtomicInteger n = new AtomicInteger();
    this.threads = Executors.newCachedThreadPool(r -> {
      Thread t = new Thread(r, "chunkstore-control-" + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    });
  }

  /**
   * Creates the socket at {@code socket} (mode 0600), replacing one left by a daemon that was
   * killed, but does not take requests before {@link #start()}. The caller must hold the store's
   * lock, so that no live daemon can own a socket there.
   *
   * @throws IOException with a sentence if the socket cannot be made (a path longer than a Unix
   *     socket allows, a read-only directory)
   */
  public static ControlServer bind(Path socket) throws IOException {
    Path target = socket.toAbsolutePath();
    Path dir = target.getParent();
    removeLeftoverBindDirs(dir);
    Path privateDir = createPrivateDir(dir);
    Path bound = privateDir.resolve("s");
    ServerSocketChannel ch = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
    try {
      try {
        ch.bind(UnixDomainSocketAddress.of(bound), 64);
      } catch (IOException e) {
        throw new IOException("cannot make the control socket in " + dir + " (" + e.getMessage() + ")", e);
      }
      Files.setPosixFilePermissions(bound, PosixFilePermissions.fromString("rw-------"));
      if (Files.exists(target, LinkOption.NOFOLLOW_LINKS)) {
        log.info("replacing {}, left by a mount daemon that did not stop cleanly", target);
      }
      // rename(2) replaces a stale socket in one step and keeps the bound inode: clients that
      // connect to the new name reach this channel
      Files.move(bound, target, StandardCopyOption.ATOMIC_MOVE);
      Object key = Files.readAttributes(target, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS).fileKey();
      UserPrincipal owner = Files.getOwner(target, LinkOption.NOFOLLOW_LINKS);
      return new ControlServer(target, key, ch, owner);
    } catch (IOException | RuntimeException e) {
      ch.close();
      throw e;
    } finally {
      Files.deleteIfExists(bound);
      Files.deleteIfExists(privateDir);
    }
  }

  /**
   * A new 0700 directory in {@code dir} with a short name: a Unix socket's whole path must fit
   * in 107 bytes, and the socket is bound there first.
   */
  private static Path createPrivateDir(Path dir) throws IOException {
    java.util.concurrent.ThreadLocalRandom random = java.util.concurrent.ThreadLocalRandom.current();
    for (int attempt = 0; ; attempt++) {
      Path p = dir.resolve(BIND_DIR_PREFIX + Integer.toHexString(0x100000 + random.nextInt(0xf00000)));
      try {
        return Files.createDirectory(p, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
      } catch (FileAlreadyExistsException taken) {
        if (attempt > 100) {
          throw taken;
        }
      }
    }
  }

  /** Private bind directories of daemons that were killed between bind and rename. */
  private static void removeLeftoverBindDirs(Path dir) throws IOException {
    try (DirectoryStream<Path> s = Files.newDirectoryStream(dir, BIND_DIR_PREFIX + "*")) {
      for (Path p : s) {
        if (Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
          try (DirectoryStream<Path> inside = Files.newDirectoryStream(p)) {
            for (Path f : inside) {
              Files.deleteIfExists(f);
            }
          }
          Files.deleteIfExists(p);
        }
      }
    }
  }

  /** The socket's path. */
  public Path socket() {
    return socket;
  }

  @Override
  public void register(String op, ControlHandler handler) {
    Objects.requireNonNull(handler, "handler");
    if (op == null || !OP_NAME.matcher(op).matches()) {
      throw new IllegalArgumentException("an operation's name is lower-case letters, digits and '-', not " + op);
    }
    if (handlers.putIfAbsent(op, handler) != null) {
      throw new IllegalArgumentException("the operation " + op + " is registered already");
    }
  }

  /** The operations served, sorted. */
  public List<String> operations() {
    return List.copyOf(handlers.keySet());
  }

  /** Starts taking connections. */
  public synchronized void start() {
    if (acceptor != null) {
      throw new IllegalStateException("the control server is started already");
    }
    acceptor = new Thread(this::acceptLoop, "chunkstore-control-accept");
    acceptor.setDaemon(true);
    acceptor.start();
  }

  private void acceptLoop() {
    while (!closed) {
      SocketChannel c;
      try {
        c = server.accept();
      } catch (ClosedChannelException e) {
        return;
      } catch (IOException e) {
        if (closed) {
          return;
        }
        log.warn("control socket: accept failed: {}", e.toString());
        sleepQuietly(100);
        continue;
      }
      String refusal = refusal(c);
      if (refusal == null && !slots.tryAcquire()) {
        refusal = "the mount daemon is serving " + MAX_CLIENTS + " control clients already; try again when one has finished";
      }
      if (refusal != null) {
        refuse(c, refusal);
        continue;
      }
      Connection conn = new Connection(c);
      connections.add(conn);
      try {
        threads.execute(conn::serve);
      } catch (java.util.concurrent.RejectedExecutionException e) {
        conn.finish();
      }
    }
  }

  /** Why the peer may not talk to this daemon, or null if it may. */
  private String refusal(SocketChannel c) {
    UnixDomainPrincipal peer;
    try {
      peer = c.getOption(ExtendedSocketOptions.SO_PEERCRED);
    } catch (UnsupportedOperationException | IOException e) {
      return null; // no peer credentials on this system: the socket's mode 0600 is the guard
    }
    UserPrincipal user = peer.user();
    if (user.equals(owner) || "root".equals(user.getName()) || "0".equals(user.getName())) {
      return null;
    }
    log.warn("control socket: refused a client running as {}", user.getName());
    return "permission denied: only " + owner.getName() + ", who mounted the store, and root may use its control socket";
  }

  private static void refuse(SocketChannel c, String sentence) {
    try (c) {
      c.write(ByteBuffer.wrap(line(error(null, sentence))));
    } catch (IOException e) {
      // the client has gone already
    }
  }

  /**
   * Stops taking requests and removes the socket; running requests see {@link
   * ProgressSink#cancelled()} and get up to a minute to finish before their connections are cut.
   */
  @Override
  public void close() throws IOException {
    synchronized (this) {
      if (closed) {
        return;
      }
      closed = true;
    }
    server.close();
    removeSocketIfOurs();
    if (acceptor != null) {
      try {
        acceptor.join(5000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    for (Connection c : connections) {
      c.endWhenIdle();
    }
    long deadline = System.currentTimeMillis() + CANCEL_GRACE_MILLIS;
    while (!connections.isEmpty() && System.currentTimeMillis() < deadline) {
      sleepQuietly(20);
    }
    if (!connections.isEmpty()) {
      log.warn("control socket: {} request(s) did not finish within {} s of unmounting; cutting them off",
          connections.size(), CANCEL_GRACE_MILLIS / 1000);
    }
    for (Connection c : connections) {
      c.finish();
    }
    threads.shutdownNow();
  }

  private void removeSocketIfOurs() {
    try {
      Object key = Files.readAttributes(socket, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS).fileKey();
      if (Objects.equals(key, socketKey)) {
        Files.deleteIfExists(socket);
      }
    } catch (NoSuchFileException gone) {
      // removed by someone else
    } catch (IOException e) {
      log.warn("cannot remove the control socket {}: {}", socket, e.toString());
    }
  }

  private static void sleepQuietly(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  // ---- replies

  static ObjectNode error(JsonNode id, String sentence) {
    ObjectNode o = envelope(id, "error");
    o.put("message", sentence);
    return o;
  }

  private static ObjectNode envelope(JsonNode id, String type) {
    ObjectNode o = JSON.createObjectNode();
    if (id != null) {
      o.set("id", id);
    }
    o.put("type", type);
    return o;
  }

  private static byte[] line(JsonNode reply) {
    try {
      byte[] json = JSON.writeValueAsBytes(reply);
      byte[] out = java.util.Arrays.copyOf(json, json.length + 1);
      out[json.length] = '\n';
      return out;
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("a reply that cannot be written as JSON", e);
    }
  }

  /** The one sentence a client reads for a handler's failure. */
  static String sentence(Throwable e) {
    if (e instanceof NoSuchFileException n) {
      return "no such file or directory: " + n.getFile();
    }
    if (e instanceof FileAlreadyExistsException f) {
      return "already exists: " + f.getFile();
    }
    String m = e.getMessage();
    if (m == null || m.isBlank()) {
      return "the mount daemon failed (" + e.getClass().getSimpleName() + "); see its log";
    }
    return m.lines().findFirst().orElse(m);
  }

  // ---- one client

  /** A line read from a client, or the end of its requests. */
  private record Line(byte[] bytes, boolean tooLong, boolean end) {
    static final Line END = new Line(null, false, true);
    static final Line TOO_LONG = new Line(null, true, false);
  }

  private final class Connection {
    private final SocketChannel ch;
    private final BlockingQueue<Line> lines = new LinkedBlockingQueue<>();
    private final Object writeLock = new Object();
    private volatile boolean gone;
    private boolean finished;

    Connection(SocketChannel ch) {
      this.ch = ch;
    }

    /** Answers this client's requests in order until it closes, then frees its slot. */
    void serve() {
      try {
        threads.execute(this::readLines);
        while (true) {
          Line l = lines.take();
          if (l.end() || closed) {
            break;
          }
          if (l.tooLong()) {
            send(error(null, "a request line is longer than " + (MAX_LINE >> 20)
                + " MiB; send one JSON object per line, such as {\"op\":\"stats\"}"));
            break;
          }
          answer(l.bytes());
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      } catch (IOException | java.util.concurrent.RejectedExecutionException e) {
        // the client went away, or the daemon is unmounting
      } finally {
        finish();
      }
    }

    /** Reads request lines until the client closes its side; the end cancels what it asked. */
    private void readLines() {
      ByteBuffer buf = ByteBuffer.allocate(8192);
      ByteArrayOutputStream line = new ByteArrayOutputStream();
      try {
        while (ch.read(buf) >= 0) {
          buf.flip();
          while (buf.hasRemaining()) {
            byte b = buf.get();
            if (b == '\n') {
              lines.add(new Line(line.toByteArray(), false, false));
              line.reset();
            } else if (line.size() >= MAX_LINE) {
              lines.add(Line.TOO_LONG);
              return;
            } else {
              line.write(b);
            }
          }
          buf.clear();
        }
        if (line.size() > 0) {
          lines.add(new Line(line.toByteArray(), false, false));
        }
      } catch (IOException e) {
        // closed by the client or by finish()
      } finally {
        gone = true;
        lines.add(Line.END);
      }
    }

    private void answer(byte[] bytes) throws IOException {
      String text = new String(bytes, java.nio.charset.StandardCharsets.UTF_8).strip();
      if (text.isEmpty()) {
        return;
      }
      JsonNode n;
      try {
        n = JSON.readTree(text);
      } catch (JsonProcessingException e) {
        n = null;
      }
      if (!(n instanceof ObjectNode body)) {
        send(error(null, "a request is one JSON object per line, such as {\"op\":\"stats\"}; this line is not one"));
        return;
      }
      JsonNode id = body.get("id");
      JsonNode op = body.get("op");
      if (op == null || !op.isTextual()) {
        send(error(id, "a request needs an \"op\" naming what to do: one of " + String.join(", ", handlers.keySet())));
        return;
      }
      ControlHandler handler = handlers.get(op.asText());
      if (handler == null) {
        send(error(id, "the mount daemon has no operation \"" + op.asText() + "\"; it knows "
            + String.join(", ", handlers.keySet())));
        return;
      }
      ProgressSink sink = new ProgressSink() {
        @Override
        public void send(JsonNode progress) throws IOException {
          ObjectNode o = envelope(id, "progress");
          o.set("value", progress);
          Connection.this.send(o);
        }

        @Override
        public boolean cancelled() {
          return gone || closed;
        }
      };
      JsonNode result;
      try {
        result = handler.handle(new ControlRequest(op.asText(), body), sink);
      } catch (IllegalArgumentException e) {
        send(error(id, sentence(e)));
        return;
      } catch (Exception e) {
        log.warn("control socket: {} failed", op.asText(), e);
        send(error(id, sentence(e)));
        return;
      }
      ObjectNode o = envelope(id, "result");
      o.set("value", result == null ? JSON.createObjectNode() : result);
      send(o);
    }

    private void send(JsonNode reply) throws IOException {
      ByteBuffer b = ByteBuffer.wrap(line(reply));
      synchronized (writeLock) {
        while (b.hasRemaining()) {
          ch.write(b);
        }
      }
    }

    /** Lets the request in hand finish, then ends the connection. */
    void endWhenIdle() {
      lines.add(Line.END);
    }

    /** Closes the connection and frees its slot, once. */
    void finish() {
      synchronized (this) {
        if (finished) {
          return;
        }
        finished = true;
      }
      gone = true;
      try {
        ch.close();
      } catch (IOException e) {
        // closing anyway
      }
      connections.remove(this);
      slots.release();
    }
  }
}
