package io.chunkstore.tahoe;

import io.chunkstore.backend.Backend;
import io.chunkstore.backend.BackendKeys;
import io.chunkstore.backend.Leases;
import io.chunkstore.backend.MetadataMirror;
import io.chunkstore.backend.UploadBacklog;
import java.io.EOFException;
import java.io.IOException;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link Backend} on a Tahoe-LAFS grid, through a client node's web API.
 *
 * <p>Every object is an immutable (CHK) Tahoe file, uploaded with {@code PUT /uri}; its cap is
 * linked under its key into the store's directory on the grid ({@link GridDirectory}), so that
 * the grid alone names everything. Caps stay inside this class and never appear in a message.
 *
 * <p><b>Write-back.</b> A put moves the file into an upload queue on local disk
 * ({@code STORE/staging/upload}, fsynced: durable on this machine) and returns; uploader threads
 * send queued objects to the grid in parallel, retry failures with backoff, and only then drop the
 * local copy. Until then reads are served from the queue, so a store whose client node is down
 * keeps working and catches up when it returns. The queue is the directory itself, so a crash or
 * reboot resumes it at the next open. {@link #close()} waits for the queue to drain (while it makes
 * progress) unless told not to. With {@code syncUpload}, a put waits until the grid has the object.
 *
 * <p><b>Reads</b> fetch only the range asked for (one {@code Range} header; Tahoe downloads just
 * the segments it overlaps) and go through a {@link PackCache} on local disk.
 *
 * <p><b>Deletion</b> unlinks: Tahoe cannot delete, so the shares stay on the servers until their
 * leases expire. Leases are renewed object by object ({@link Leases}) by whoever knows which are
 * live (gc), never for the whole directory tree at once.
 *
 * <p><b>Metadata</b>: the store's backups are copied into the store's directory too
 * ({@link GridMetadata}), so that the directory cap alone restores the store.
 *
 * <p>Thread-safe.
 */
public final class TahoeBackend implements Backend, UploadBacklog.Source, MetadataMirror, Leases {
  private static final Logger log = LoggerFactory.getLogger(TahoeBackend.class);
  private static final String TEMP_PREFIX = "~tmp-";
  private static final long MAX_BACKOFF_MS = 30_000;

  /**
   * How to run.
   *
   * @param syncUpload a put returns only once the grid has the object
   * @param uploaders parallel uploads
   * @param cacheBytes budget of the local pack cache
   * @param drainOnClose {@link #close()} waits for queued uploads
   * @param drainPatience how long close waits without any upload succeeding before it gives up
   *     (what is left stays queued for the next open)
   * @param timeout how long one web API call may take (uploads get ten times as long)
   */
  public record Options(boolean syncUpload, int uploaders, long cacheBytes, boolean drainOnClose,
      Duration drainPatience, Duration timeout) {
    /** Write-back with 4 uploaders, a 1 GiB cache, drain on close with 2 minutes' patience. */
    public static Options defaults() {
      return new Options(false, 4, 1L << 30, true, Duration.ofMinutes(2), Duration.ofSeconds(60));
    }
  }

  private record Linked(String cap, long size) {}

  private record Queued(long generation, long size) {}

  private final TahoeClient client;
  private final GridDirectory directory;
  private final GridMetadata metadata;
  private final Path queueDir;
  private final io.chunkstore.StorePermissions permissions;
  private final PackCache cache;
  private final Options options;

  /** Objects on the grid: key to cap and size. */
  private final Map<String, Linked> linked = new ConcurrentHashMap<>();
  /** Objects in the upload queue: key to the generation of the file there. */
  private final Map<String, Queued> queued = new ConcurrentHashMap<>();
  private final Map<String, Boolean> inFlight = new ConcurrentHashMap<>();
  private final Map<String, Integer> attempts = new ConcurrentHashMap<>();
  private final LinkedBlockingQueue<String> ready = new LinkedBlockingQueue<>();
  private final AtomicLong generations = new AtomicLong();
  private final AtomicLong uploadedObjects = new AtomicLong();
  private volatile String lastError = "";
  private volatile boolean closed;
  /** Serializes changes to one key: put, upload-then-link, delete. */
  private final ReentrantLock[] keyLocks = new ReentrantLock[64];
  private final ExecutorService uploaders;
  private final ScheduledExecutorService retries;

  /**
   * Opens the store directory {@code dircap} through the node at {@code nodeUrl}: reads the
   * directory's listing, takes in what an earlier run left queued, and starts uploading it.
   *
   * @param queueDir the upload queue: objects durable here until the grid has them
   * @param cacheDir the pack cache
   */
  public static TahoeBackend open(URI nodeUrl, String dircap, Path queueDir, Path cacheDir, Options options)
      throws IOException {
    TahoeClient client = new TahoeClient(nodeUrl, options.timeout());
    client.connectedServers(); // a wrong URL or a node that is down: one sentence, now
    return new TahoeBackend(client, dircap, queueDir, cacheDir, options);
  }

  private TahoeBackend(TahoeClient client, String dircap, Path queueDir, Path cacheDir, Options options)
      throws IOException {
    this.client = client;
    this.options = options;
    this.directory = new GridDirectory(client, dircap);
    this.metadata = new GridMetadata(client, dircap);
    this.queueDir = queueDir;
    for (int i = 0; i < keyLocks.length; i++) {
      keyLocks[i] = new ReentrantLock();
    }
    this.permissions = StoreModes.directory(queueDir);
    this.cache = new PackCache(cacheDir, options.cacheBytes(), client::read);
    directory.loadAll().forEach((k, c) -> linked.put(k, new Linked(c.cap(), c.size())));
    resumeQueue();
    AtomicInteger n = new AtomicInteger();
    this.uploaders = Executors.newFixedThreadPool(Math.max(1, options.uploaders()), r -> {
      Thread t = new Thread(r, "tahoe-upload-" + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    });
    this.retries = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "tahoe-retry");
      t.setDaemon(true);
      return t;
    });
    for (int i = 0; i < Math.max(1, options.uploaders()); i++) {
      uploaders.execute(this::uploadLoop);
    }
  }

  // ---- Backend

  @Override
  public void put(String key, Path source) throws IOException {
    BackendKeys.check(key);
    ensureOpen();
    if (options.syncUpload()) {
      putNow(key, source);
      return;
    }
    Path target = queueDir.resolve(key);
    fsync(source);
    ReentrantLock lock = lockOf(key);
    lock.lock();
    try {
      long size = Files.size(source);
      try {
        Files.move(source, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      } catch (AtomicMoveNotSupportedException otherFileSystem) {
        Path tmp = queueDir.resolve(TEMP_PREFIX + Long.toHexString(ThreadLocalRandom.current().nextLong()));
        Files.copy(source, tmp);
        permissions.apply(tmp);
        fsync(tmp);
        Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        Files.delete(source);
      }
      fsync(queueDir);
      queued.put(key, new Queued(generations.incrementAndGet(), size));
      attempts.remove(key);
    } finally {
      lock.unlock();
    }
    ready.add(key);
  }

  /** The synchronous put: upload from the source, link, then drop any older queued copy. */
  private void putNow(String key, Path source) throws IOException {
    long size = Files.size(source);
    String cap = client.upload(source);
    ReentrantLock lock = lockOf(key);
    lock.lock();
    try {
      directory.link(key, cap);
      linked.put(key, new Linked(cap, size));
      if (queued.remove(key) != null) {
        Files.deleteIfExists(queueDir.resolve(key));
      }
    } finally {
      lock.unlock();
    }
    Files.deleteIfExists(source);
  }

  @Override
  public byte[] get(String key, long offset, int length) throws IOException {
    BackendKeys.check(key);
    if (offset < 0 || length < 0) {
      throw new IllegalArgumentException("negative offset or length: " + offset + ", " + length);
    }
    if (queued.containsKey(key)) {
      try {
        return readQueued(key, offset, length);
      } catch (NoSuchFileException uploadedMeanwhile) {
        // it is linked now: read it from the grid
      }
    }
    Linked l = linked.get(key);
    if (l == null) {
      throw new NoSuchFileException(key);
    }
    if (offset + length > l.size()) {
      throw shortObject(key, l.size(), offset, length);
    }
    if (length == 0) {
      return new byte[0];
    }
    return cache.read(l.cap(), l.size(), offset, length);
  }

  private byte[] readQueued(String key, long offset, int length) throws IOException {
    try (FileChannel ch = FileChannel.open(queueDir.resolve(key), StandardOpenOption.READ)) {
      long size = ch.size();
      if (offset + length > size) {
        throw shortObject(key, size, offset, length);
      }
      ByteBuffer buf = ByteBuffer.allocate(length);
      while (buf.hasRemaining()) {
        if (ch.read(buf, offset + buf.position()) < 0) {
          throw shortObject(key, ch.size(), offset, length);
        }
      }
      return buf.array();
    }
  }

  @Override
  public OptionalLong stat(String key) throws IOException {
    BackendKeys.check(key);
    Queued q = queued.get(key);
    if (q != null) {
      return OptionalLong.of(q.size());
    }
    Linked l = linked.get(key);
    return l == null ? OptionalLong.empty() : OptionalLong.of(l.size());
  }

  @Override
  public List<String> list(String prefix) throws IOException {
    BackendKeys.checkPrefix(prefix);
    java.util.Set<String> keys = new java.util.HashSet<>();
    for (String k : queued.keySet()) {
      if (k.startsWith(prefix)) {
        keys.add(k);
      }
    }
    for (String k : linked.keySet()) {
      if (k.startsWith(prefix)) {
        keys.add(k);
      }
    }
    return new ArrayList<>(keys);
  }

  @Override
  public void delete(String key) throws IOException {
    BackendKeys.check(key);
    ensureOpen();
    ReentrantLock lock = lockOf(key);
    lock.lock();
    try {
      if (queued.remove(key) != null) {
        Files.deleteIfExists(queueDir.resolve(key));
      }
      if (linked.remove(key) != null) {
        directory.unlink(key);
      }
    } finally {
      lock.unlock();
    }
  }

  @Override
  public String describe() {
    return "tahoe:" + client.nodeUrl();
  }

  @Override
  public UploadBacklog uploadBacklog() {
    long bytes = 0;
    int n = 0;
    for (Queued q : queued.values()) {
      bytes += q.size();
      n++;
    }
    return new UploadBacklog(n, bytes, n == 0 ? "" : lastError);
  }

  /** Bytes in the local pack cache now. */
  public long cachedBytes() {
    return cache.bytes();
  }

  // ---- metadata and leases

  @Override
  public synchronized void mirrorMetadata(Path configFile, Path metaDir) throws IOException {
    ensureOpen();
    metadata.mirror(configFile, metaDir);
  }

  /** Renews the leases of {@code key}'s shares; a key only queued so far has none yet. */
  @Override
  public Health renewLease(String key) throws IOException {
    BackendKeys.check(key);
    Linked l = linked.get(key);
    return l == null ? Health.MISSING : health(client.check(l.cap(), true, false, false));
  }

  @Override
  public int renewMetadataLeases() throws IOException {
    List<String> caps = new ArrayList<>(directory.directoryCaps());
    caps.addAll(metadata.caps());
    for (String cap : caps) {
      client.check(cap, true, false, false);
    }
    return caps.size();
  }

  @Override
  public Health verify(String key, boolean repair) throws IOException {
    BackendKeys.check(key);
    Linked l = linked.get(key);
    return l == null ? Health.MISSING : health(client.check(l.cap(), false, true, repair));
  }

  /** Tahoe's check results (or check-and-repair results) as a {@link Leases.Health}. */
  static Health health(com.fasterxml.jackson.databind.JsonNode json) {
    boolean repairResults = json.has("post-repair-results");
    com.fasterxml.jackson.databind.JsonNode r = (repairResults ? json.path("post-repair-results") : json).path("results");
    return new Health(true, r.path("count-shares-good").asInt(0), r.path("count-shares-needed").asInt(0),
        r.path("healthy").asBoolean(false),
        repairResults && json.path("repair-attempted").asBoolean(false) && json.path("repair-successful").asBoolean(false));
  }

  // ---- the upload queue

  /** Takes in what an earlier run left in the queue directory. */
  private void resumeQueue() throws IOException {
    try (DirectoryStream<Path> ds = Files.newDirectoryStream(queueDir)) {
      for (Path p : ds) {
        String name = p.getFileName().toString();
        if (name.startsWith(TEMP_PREFIX)) {
          Files.deleteIfExists(p);
        } else if (BackendKeys.isValid(name) && Files.isRegularFile(p)) {
          queued.put(name, new Queued(generations.incrementAndGet(), Files.size(p)));
          ready.add(name);
        }
      }
    }
    if (!queued.isEmpty()) {
      UploadBacklog b = uploadBacklog();
      log.info("resuming the upload of {} pack(s), {} bytes, to the grid", b.objects(), b.bytes());
    }
  }

  private void uploadLoop() {
    while (!closed) {
      String key;
      try {
        key = ready.poll(500, TimeUnit.MILLISECONDS);
      } catch (InterruptedException e) {
        return;
      }
      if (key == null) {
        continue;
      }
      Queued q = queued.get(key);
      if (q == null || inFlight.putIfAbsent(key, Boolean.TRUE) != null) {
        continue; // deleted, or another uploader has it (it re-queues the key if it changed)
      }
      try {
        upload(key, q);
      } finally {
        inFlight.remove(key);
      }
      Queued now = queued.get(key);
      if (now != null && now.generation() != q.generation()) {
        ready.add(key); // replaced while we uploaded the old content
      }
    }
  }

  private void upload(String key, Queued q) {
    try {
      String cap = client.upload(queueDir.resolve(key));
      ReentrantLock lock = lockOf(key);
      lock.lock();
      try {
        Queued now = queued.get(key);
        if (now == null || now.generation() != q.generation()) {
          return; // deleted or replaced meanwhile: this content must not be linked
        }
        directory.link(key, cap);
        linked.put(key, new Linked(cap, q.size()));
        queued.remove(key);
        Files.deleteIfExists(queueDir.resolve(key));
      } finally {
        lock.unlock();
      }
      attempts.remove(key);
      uploadedObjects.incrementAndGet();
      if (queued.isEmpty()) {
        lastError = "";
      }
    } catch (NoSuchFileException deleted) {
      // deleted while we uploaded
    } catch (IOException | RuntimeException e) {
      if (closed) {
        return;
      }
      String sentence = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
      int n = attempts.merge(key, 1, Integer::sum);
      long delay = Math.min(MAX_BACKOFF_MS, 500L << Math.min(10, n - 1));
      if (!sentence.equals(lastError)) {
        log.warn("upload of a pack failed, retrying in {} ms (attempt {}): {}", delay, n, sentence);
      }
      lastError = sentence;
      try {
        retries.schedule(() -> ready.add(key), delay, TimeUnit.MILLISECONDS);
      } catch (java.util.concurrent.RejectedExecutionException shuttingDown) {
        // stays queued on disk for the next open
      }
    }
  }

  /**
   * Waits for the upload queue to drain while uploads make progress, then stops the uploaders.
   * What is left (the grid out of reach for {@link Options#drainPatience}, or no drain asked for)
   * stays queued on disk and goes up at the next open.
   */
  @Override
  public void close() throws IOException {
    if (closed) {
      return;
    }
    try {
      if (options.drainOnClose()) {
        drain();
      }
    } finally {
      closed = true;
      uploaders.shutdownNow();
      retries.shutdownNow();
      cache.close();
      try {
        uploaders.awaitTermination(30, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      UploadBacklog left = uploadBacklog();
      if (left.objects() > 0 && !options.drainOnClose()) {
        log.info("{} pack(s), {} bytes, wait in the upload queue for the next open", left.objects(), left.bytes());
      } else if (left.objects() > 0) {
        log.warn("{} pack(s), {} bytes, are not on the grid yet{}; they stay queued in {} and go up when the store"
            + " is next opened", left.objects(), left.bytes(),
            left.lastError().isEmpty() ? "" : " (" + left.lastError() + ")", queueDir);
      }
    }
  }

  private void drain() {
    java.io.Console console = System.console();
    long patience = options.drainPatience().toMillis();
    long lastProgress = System.currentTimeMillis();
    long lastCount = uploadedObjects.get();
    long lastLog = System.currentTimeMillis() - 8_000; // the first line after 2 s
    boolean printed = false;
    while (!queued.isEmpty()) {
      long now = System.currentTimeMillis();
      if (uploadedObjects.get() != lastCount) {
        lastCount = uploadedObjects.get();
        lastProgress = now;
      }
      if (now - lastProgress > patience) {
        break;
      }
      UploadBacklog b = uploadBacklog();
      String line = String.format(java.util.Locale.ROOT, "waiting for %d pack(s), %.1f MiB, to reach the grid%s",
          b.objects(), b.bytes() / 1048576.0, b.lastError().isEmpty() ? "" : " (retrying: " + b.lastError() + ")");
      if (console != null) {
        System.err.print("\r" + line + "\u001b[K");
        printed = true;
      } else if (now - lastLog > 10_000) {
        log.info(line);
        lastLog = now;
      }
      try {
        Thread.sleep(200);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
    }
    if (printed) {
      System.err.print("\r\u001b[K");
    }
  }

  // ---- helpers

  private void ensureOpen() throws IOException {
    if (closed) {
      throw new IOException("the Tahoe backend is closed");
    }
  }

  private ReentrantLock lockOf(String key) {
    return keyLocks[Math.floorMod(key.hashCode(), keyLocks.length)];
  }

  private static void fsync(Path p) throws IOException {
    try (FileChannel ch = FileChannel.open(p, Files.isDirectory(p) ? StandardOpenOption.READ : StandardOpenOption.WRITE)) {
      ch.force(true);
    }
  }

  private static EOFException shortObject(String key, long size, long offset, int length) {
    return new EOFException("object " + key + " has " + size + " bytes; cannot read " + length + " bytes at offset "
        + offset);
  }
}
