package io.chunkstore.tahoe;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.EOFException;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The few calls of the Tahoe-LAFS web API that the backend needs, over {@code java.net.http}.
 * Every failure is a {@link TahoeException} with one sentence that names the node but never a
 * cap: caps are secrets, and a message ends up in logs and on terminals.
 *
 * <p>Thread-safe.
 */
final class TahoeClient {
  private static final ObjectMapper JSON = new ObjectMapper();
  /** A Tahoe child in a directory listing: its cap and, for a file, its size. */
  record Child(String cap, long size, boolean directory) {}

  private final URI base;
  private final HttpClient http;
  private final Duration timeout;

  TahoeClient(URI nodeUrl, Duration timeout) {
    this.base = nodeUrl;
    this.timeout = timeout;
    this.http = HttpClient.newBuilder()
        .version(HttpClient.Version.HTTP_1_1) // Twisted speaks HTTP/1.1 only
        .connectTimeout(Duration.ofSeconds(10))
        .build();
  }

  /**
   * The node URL of {@code text}, such as {@code http://127.0.0.1:3456}, without a trailing slash.
   *
   * @throws IllegalArgumentException with one sentence if it is not an http(s) URL with a host
   */
  static URI parseNodeUrl(String text) {
    String t = text.endsWith("/") ? text.substring(0, text.length() - 1) : text;
    try {
      URI u = new URI(t);
      if (!("http".equals(u.getScheme()) || "https".equals(u.getScheme())) || u.getHost() == null
          || (u.getPath() != null && !u.getPath().isEmpty()) || u.getQuery() != null) {
        throw new URISyntaxException(t, "not a node URL");
      }
      return u;
    } catch (URISyntaxException e) {
      throw new IllegalArgumentException("'" + text + "' is not the URL of a Tahoe-LAFS client node's web API;"
          + " give it as http://HOST:PORT (see the node's node.url file)");
    }
  }

  /** The node's URL, for messages. */
  URI nodeUrl() {
    return base;
  }

  /**
   * How many storage servers the node is connected to; also proves that the URL is a Tahoe node.
   */
  int connectedServers() throws IOException {
    HttpResponse<byte[]> r = send(get("/?t=json").build(), "ask the node for its servers");
    JsonNode servers = null;
    if (r.statusCode() == 200) {
      try {
        servers = JSON.readTree(r.body()).get("servers");
      } catch (IOException notJson) {
        // below
      }
    }
    if (servers == null || !servers.isArray()) {
      throw new TahoeException(base + " is not a Tahoe-LAFS client node's web API (GET /?t=json answered HTTP "
          + r.statusCode() + (r.statusCode() == 200 ? " without a server list" : "") + "); check the URL"
          + " (it is in the node's node.url file)");
    }
    int n = 0;
    for (JsonNode s : servers) {
      if ("connected".equalsIgnoreCase(s.path("connection_status").asText())
          || s.path("connection_status").asText().startsWith("Connected")) {
        n++;
      }
    }
    return n;
  }

  /**
   * After an unhappy upload: whether servers are connected but out of space. Tahoe treats a full
   * server as read-only and says only that too few servers took shares, so ask the node how much
   * space each connected server has.
   */
  private void throwIfGridFull() throws TahoeException {
    int connected = 0;
    int full = 0;
    try {
      HttpResponse<byte[]> r = send(get("/?t=json").build(), "ask the node for its servers");
      for (JsonNode s : JSON.readTree(r.body()).path("servers")) {
        if ("connected".equalsIgnoreCase(s.path("connection_status").asText())) {
          connected++;
          JsonNode space = s.get("available_space");
          if (space != null && space.isNumber() && space.asLong() == 0) {
            full++;
          }
        }
      }
    } catch (IOException e) {
      return; // the upload's own error says enough
    }
    if (full > 0) {
      throw new TahoeException("the grid is full: " + full + " of the " + connected + " connected storage servers have"
          + " no space left, and the others are too few to place a pack's shares (Tahoe-LAFS: UploadUnhappinessError);"
          + " free space on the servers or add storage servers");
    }
  }

  /** Creates a new, empty mutable directory and returns its write cap. */
  String mkdir() throws IOException {
    HttpResponse<byte[]> r = send(post("/uri?t=mkdir").POST(HttpRequest.BodyPublishers.noBody()).build(),
        "create a directory");
    return capOf(expect(r, "create a directory", 200, 201));
  }

  /**
   * Creates the subdirectory {@code name} of {@code dircap} and returns its write cap.
   *
   * @return empty if there is one by that name already
   */
  java.util.Optional<String> mkdirChild(String dircap, String name) throws IOException {
    HttpResponse<byte[]> r = send(post("/uri/" + dircap + "?t=mkdir&replace=false&name=" + name)
        .POST(HttpRequest.BodyPublishers.noBody()).build(), "create a directory");
    if (r.statusCode() == 409) {
      return java.util.Optional.empty();
    }
    return java.util.Optional.of(capOf(expect(r, "create a directory", 200, 201)));
  }

  /** The children of the directory {@code dircap}, by name. */
  Map<String, Child> list(String dircap) throws IOException {
    HttpResponse<byte[]> r = send(get("/uri/" + dircap + "?t=json").build(), "list a directory");
    JsonNode root = JSON.readTree(expect(r, "list a directory", 200));
    Map<String, Child> out = new LinkedHashMap<>();
    JsonNode kids = root.path(1).path("children");
    kids.fields().forEachRemaining(e -> {
      String kind = e.getValue().path(0).asText();
      JsonNode d = e.getValue().path(1);
      String cap = d.hasNonNull("rw_uri") ? d.get("rw_uri").asText() : d.path("ro_uri").asText();
      out.put(e.getKey(), new Child(cap, d.path("size").asLong(0), "dirnode".equals(kind)));
    });
    return out;
  }

  /** Links every {@code name -> readcap} into {@code dircap} at once, replacing what is there. */
  void setChildren(String dircap, Map<String, String> readcaps) throws IOException {
    ObjectNode body = JSON.createObjectNode();
    readcaps.forEach((name, cap) -> {
      ObjectNode props = JSON.createObjectNode();
      props.put("ro_uri", cap);
      body.putArray(name).add("filenode").add(props);
    });
    HttpResponse<byte[]> r = send(post("/uri/" + dircap + "?t=set_children")
        .POST(HttpRequest.BodyPublishers.ofByteArray(JSON.writeValueAsBytes(body))).build(), "link packs");
    expect(r, "link packs", 200, 201);
  }

  /** Unlinks {@code name} from {@code dircap}; a missing name is not an error. */
  void unlink(String dircap, String name) throws IOException {
    HttpResponse<byte[]> r = send(request("/uri/" + dircap + "/" + name).DELETE().build(), "unlink a pack");
    if (r.statusCode() != 404) {
      expect(r, "unlink a pack", 200, 204);
    }
  }

  /** Uploads {@code file} as an immutable (CHK) file and returns its read cap. */
  String upload(Path file) throws IOException {
    // Read through one open channel: a put that replaces the file meanwhile does not change what
    // this upload sends.
    try (java.nio.channels.FileChannel ch = java.nio.channels.FileChannel.open(file)) {
      long size = ch.size();
      HttpRequest.BodyPublisher body = size == 0 ? HttpRequest.BodyPublishers.noBody()
          : HttpRequest.BodyPublishers.fromPublisher(
              HttpRequest.BodyPublishers.ofInputStream(() -> java.nio.channels.Channels.newInputStream(ch)), size);
      HttpResponse<byte[]> r = send(request("/uri").timeout(timeout.multipliedBy(10)).PUT(body).build(),
          "upload a pack");
      if (r.statusCode() >= 400 && new String(r.body(), StandardCharsets.UTF_8).contains("UploadUnhappinessError")) {
        throwIfGridFull();
      }
      return capOf(expect(r, "upload a pack", 200, 201));
    }
  }

  /**
   * Reads {@code length > 0} bytes of the immutable file {@code cap} at {@code offset}, with one
   * Range header, so that Tahoe fetches only the segments the range overlaps.
   *
   * @throws EOFException if the node sends fewer bytes than asked (a download cut short)
   */
  byte[] read(String cap, long offset, int length) throws IOException {
    HttpRequest req = get("/uri/" + cap)
        .header("Range", "bytes=" + offset + "-" + (offset + length - 1)).build();
    HttpResponse<byte[]> r = send(req, "read a pack");
    byte[] body = expect(r, "read a pack", 200, 206);
    if (r.statusCode() == 200) {
      // a node that ignored the range sent the whole file
      if (body.length < offset + length) {
        throw new EOFException("the Tahoe-LAFS node at " + base + " sent " + body.length + " bytes of a pack;"
            + " " + (offset + length) + " were needed");
      }
      return java.util.Arrays.copyOfRange(body, (int) offset, (int) offset + length);
    }
    if (body.length != length) {
      throw new EOFException("the Tahoe-LAFS node at " + base + " cut a download short: " + body.length + " of "
          + length + " bytes arrived");
    }
    return body;
  }

  /**
   * Downloads the whole immutable file {@code cap} into {@code target} (created, not replaced) and
   * checks that {@code size} bytes arrived.
   */
  void download(String cap, long size, Path target) throws IOException {
    HttpResponse<Path> r;
    try {
      r = send(get("/uri/" + cap).timeout(timeout.multipliedBy(10)).build(),
          HttpResponse.BodyHandlers.ofFile(target, java.nio.file.StandardOpenOption.CREATE_NEW,
              java.nio.file.StandardOpenOption.WRITE), "download a file");
    } catch (IOException e) {
      java.nio.file.Files.deleteIfExists(target);
      throw e;
    }
    if (r.statusCode() != 200) {
      String body = new String(java.nio.file.Files.readAllBytes(target), StandardCharsets.UTF_8);
      java.nio.file.Files.deleteIfExists(target);
      throw failure(r.statusCode(), body, "download a file");
    }
    long got = java.nio.file.Files.size(target);
    if (got != size) {
      throw new EOFException("the Tahoe-LAFS node at " + base + " cut a download short: " + got + " of " + size
          + " bytes arrived");
    }
  }

  /**
   * Checks the object {@code cap} ({@code POST ?t=check}): with {@code addLease} renews its leases
   * on every server that holds a share, with {@code verify} reads every share whole, with
   * {@code repair} makes new shares if it is unhealthy. Returns Tahoe's JSON: check results, or
   * with {@code repair} check-and-repair results ({@code post-repair-results},
   * {@code repair-attempted}, {@code repair-successful}).
   */
  JsonNode check(String cap, boolean addLease, boolean verify, boolean repair) throws IOException {
    String what = repair ? "repair a pack" : verify ? "verify a pack" : "renew a lease";
    HttpResponse<byte[]> r = send(post("/uri/" + cap + "?t=check&output=JSON" + (addLease ? "&add-lease=true" : "")
        + (verify ? "&verify=true" : "") + (repair ? "&repair=true" : ""))
        .timeout(verify || repair ? timeout.multipliedBy(10) : timeout)
        .POST(HttpRequest.BodyPublishers.noBody()).build(), what);
    return JSON.readTree(expect(r, what, 200));
  }

  // ---- plumbing

  private HttpRequest.Builder request(String pathAndQuery) {
    return HttpRequest.newBuilder(URI.create(base + pathAndQuery)).timeout(timeout);
  }

  private HttpRequest.Builder get(String pathAndQuery) {
    return request(pathAndQuery).GET();
  }

  private HttpRequest.Builder post(String pathAndQuery) {
    return request(pathAndQuery);
  }

  private HttpResponse<byte[]> send(HttpRequest req, String what) throws IOException {
    return send(req, HttpResponse.BodyHandlers.ofByteArray(), what);
  }

  private <T> HttpResponse<T> send(HttpRequest req, HttpResponse.BodyHandler<T> body, String what)
      throws IOException {
    try {
      return http.send(req, body);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("interrupted while waiting for the Tahoe-LAFS node to " + what);
    } catch (HttpConnectTimeoutException e) {
      throw new TahoeException("the Tahoe-LAFS client node at " + base + " does not answer (connecting timed out);"
          + " is it running (tahoe run NODEDIR)?", e);
    } catch (HttpTimeoutException e) {
      throw new TahoeException("the Tahoe-LAFS client node at " + base + " did not " + what + " within "
          + req.timeout().orElse(timeout).toSeconds() + " s", e);
    } catch (ConnectException e) {
      throw new TahoeException("the Tahoe-LAFS client node at " + base + " is not running (connection refused);"
          + " start it with: tahoe run NODEDIR", e);
    } catch (IOException e) {
      throw new TahoeException("the connection to the Tahoe-LAFS client node at " + base + " broke while trying to "
          + what + " (" + e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": "
          + withoutCaps(e.getMessage())) + ")", e);
    }
  }

  /** The body of {@code r} if its status is one of {@code ok}; otherwise the sentence for the failure. */
  private byte[] expect(HttpResponse<byte[]> r, String what, int... ok) throws TahoeException {
    for (int s : ok) {
      if (r.statusCode() == s) {
        return r.body();
      }
    }
    throw failure(r.statusCode(), new String(r.body(), StandardCharsets.UTF_8), what);
  }

  /** One sentence for an HTTP failure of the node: the few that users meet by name, then the rest. */
  TahoeException failure(int status, String body, String what) {
    if (status == 410 || body.contains("NotEnoughSharesError") || body.contains("NoSharesError")
        || body.contains("UnrecoverableFileError")) {
      return new TahoeException("the grid cannot " + what + ": too few of its storage servers are reachable to"
          + " rebuild it (Tahoe-LAFS: NotEnoughShares); start the storage nodes or check the client's connections");
    }
    if (body.contains("UploadUnhappinessError") || body.contains("NoServersError")) {
      if (java.util.regex.Pattern.compile("of which [1-9][0-9]* placed none due to the server being\\s+full")
          .matcher(body).find()) {
        return new TahoeException("the grid is full: its storage servers refused to " + what.replace("upload", "store")
            + " for lack of space (Tahoe-LAFS: UploadUnhappinessError); free space or add storage servers");
      }
      return new TahoeException("the grid cannot " + what + ": too few storage servers are connected to place its"
          + " shares (Tahoe-LAFS: UploadUnhappinessError; shares.happy servers are needed)");
    }
    if (status == 404) {
      return new TahoeException("the Tahoe-LAFS node at " + base + " does not know what we asked for when trying to "
          + what + " (HTTP 404); is this the store's node?");
    }
    String first = withoutCaps(body.lines().filter(l -> !l.isBlank()).findFirst().orElse("")).strip();
    if (first.length() > 160) {
      first = first.substring(0, 160) + "...";
    }
    return new TahoeException("the Tahoe-LAFS node at " + base + " could not " + what + " (HTTP " + status
        + (first.isEmpty() ? "" : ": " + first) + ")");
  }

  /** {@code text} with every Tahoe cap replaced by {@code URI:...}: caps never reach a message. */
  static String withoutCaps(String text) {
    return text.replaceAll("URI:[A-Za-z0-9-]+:[^\\s\"'<>,)]*", "URI:...");
  }

  private String capOf(byte[] body) throws TahoeException {
    String cap = new String(body, StandardCharsets.US_ASCII).strip();
    if (!cap.startsWith("URI:")) {
      throw new TahoeException("the Tahoe-LAFS node at " + base + " answered without a cap; is it a Tahoe node?");
    }
    return cap;
  }
}
