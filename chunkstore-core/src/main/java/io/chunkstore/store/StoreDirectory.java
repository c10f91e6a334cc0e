package io.chunkstore.store;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.ByteArrayOutputStream;
import io.chunkstore.StoreConfig;
import io.chunkstore.StoreException;
import io.chunkstore.StoreLockedException;
import io.chunkstore.StorePermissions;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.stream.Stream;

/**
 * The layout of a store on disk and its {@code chunkstore.json}: creating it, recognizing it, and
 * holding its lock so that only one process writes it at a time.
 *
 * <pre>
 * STORE/chunkstore.json   format version, store id, chunker, hash, compression, pack and frame size, backend
 * STORE/index/            RocksDB
 * STORE/packs/ab/&lt;id&gt;     super-chunks (local backend)
 * STORE/staging/          the pack being written
 * STORE/meta/             backups of the index (RocksDB BackupEngine), for chunkstore-fsck --rebuild-index
 * STORE/lock              held by the process that has the store open
 * STORE/backend.json      connection settings of a remote backend (its provider writes it)
 * </pre>
 *
 * <p>Everything in it is its owner's alone (or its owner's and one group's): see
 * {@link StorePermissions}.
 */
public final class StoreDirectory implements AutoCloseable {
  /** The on-disk format version this build writes and reads. */
  public static final int FORMAT_VERSION = 1;
  static final String CONFIG_FILE = "chunkstore.json";
  /**
   * Streaming JSON, not an ObjectMapper: the file is one flat object, and building a mapper costs
   * every command a few hundred classes and ~0.1 s of start-up.
   */
  private static final JsonFactory JSON = new JsonFactory();

  private final Path root;
  private final StoreConfig config;
  private final String storeId;
  private final FileChannel lockChannel;
  private final FileLock lock;
  private final StorePermissions permissions;
  private final Optional<String> permissionWarning;

  private StoreDirectory(Path root, StoreConfig config, String storeId, FileChannel lockChannel, FileLock lock,
      StorePermissions permissions, Optional<String> permissionWarning) {
    this.root = root;
    this.config = config;
    this.storeId = storeId;
    this.lockChannel = lockChannel;
    this.lock = lock;
    this.permissions = permissions;
    this.permissionWarning = permissionWarning;
  }

  /**
   * Makes a new store in {@code dir}, which must not exist or be empty, private to its owner,
   * and returns it locked.
   *
   * @throws StoreException if {@code dir} already holds a store or other files
   */
  public static StoreDirectory create(Path dir, StoreConfig config) throws IOException {
    return create(dir, config, StorePermissions.ownerOnly());
  }

  /**
   * Makes a new store in {@code dir}, which must not exist or be empty, with the given
   * permissions, and returns it locked.
   *
   * @throws StoreException if {@code dir} already holds a store or other files, or cannot be
   *     given to the permissions' group
   */
  public static StoreDirectory create(Path dir, StoreConfig config, StorePermissions permissions)
      throws IOException {
    StoreConfig valid;
    try {
      valid = config.validated();
    } catch (IllegalArgumentException e) {
      throw new StoreException(e.getMessage(), e);
    }
    if (Files.exists(dir.resolve(CONFIG_FILE))) {
      throw new StoreException(dir + " already holds a chunkstore store; refusing to overwrite it");
    }
    if (Files.exists(dir) && !Files.isDirectory(dir)) {
      throw new StoreException(dir + " exists and is not a directory");
    }
    if (Files.isDirectory(dir)) {
      try (Stream<Path> s = Files.list(dir)) {
        if (s.findAny().isPresent()) {
          throw new StoreException(dir + " is not empty; a new store needs a new or empty directory");
        }
      }
    }
    if (!Files.isDirectory(dir)) {
      Path parent = dir.toAbsolutePath().getParent();
      if (parent != null) {
        Files.createDirectories(parent);
      }
      Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
    }
    applyToRoot(permissions, dir);
    for (String sub : new String[] {"index", "packs", "staging"}) {
      permissions.createDirectory(dir.resolve(sub));
    }
    String id = UUID.randomUUID().toString();
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (JsonGenerator json = JSON.createGenerator(out).useDefaultPrettyPrinter()) {
      json.writeStartObject();
      json.writeStringField("format", "chunkstore");
      json.writeNumberField("formatVersion", FORMAT_VERSION);
      json.writeStringField("storeId", id);
      json.writeStringField("created", Instant.now().toString());
      json.writeStringField("chunker", valid.chunker());
      json.writeStringField("hash", valid.hash());
      json.writeStringField("compression", valid.compression());
      json.writeNumberField("packSize", valid.packSize());
      json.writeNumberField("frameSize", valid.frameSize());
      json.writeStringField("backend", valid.backend());
      json.writeEndObject();
    }
    writeDurably(dir.resolve(CONFIG_FILE), out.toByteArray(), permissions);
    StoreDirectory sd = open(dir);
    return sd;
  }

  /**
   * Undoes {@link #create} after the store's backend could not be set up: removes what
   * {@code create} made in {@code dir} (which was new or empty), and {@code dir} itself if it was
   * new.
   */
  public static void removeNewStore(Path dir, boolean dirExisted) throws IOException {
    try (Stream<Path> s = Files.walk(dir)) {
      for (Path p : s.sorted(java.util.Comparator.reverseOrder()).toList()) {
        if (dirExisted && p.equals(dir)) {
          continue;
        }
        Files.deleteIfExists(p);
      }
    }
  }

  /**
   * Opens the store in {@code dir} and takes its lock.
   *
   * @throws StoreException if {@code dir} is not a store or has another format version
   * @throws StoreLockedException if another process holds its lock
   */
  public static StoreDirectory open(Path dir) throws IOException {
    if (Files.exists(dir) && !Files.isDirectory(dir)) {
      throw new StoreException(dir + " is a file, not a store (a store is a directory made by chunkstore init)");
    }
    if (!Files.isDirectory(dir)) {
      throw new StoreException("there is no store at " + dir + ": the directory does not exist"
          + " (create one with: chunkstore init " + dir + ")");
    }
    Path configFile = dir.resolve(CONFIG_FILE);
    if (!Files.isRegularFile(configFile)) {
      throw new StoreException(dir + " is not a chunkstore store: it has no " + CONFIG_FILE);
    }
    Map<String, String> json;
    try {
      json = readFlatObject(Files.readAllBytes(configFile));
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new StoreException(configFile + " is damaged: it is not the JSON that chunkstore init wrote;"
          + " restore it from a backup or a copy of the store", e);
    }
    if (!"chunkstore".equals(json.getOrDefault("format", ""))) {
      throw new StoreException(dir + " is not a chunkstore store: " + CONFIG_FILE + " does not describe one");
    }
    int version = (int) number(json, "formatVersion", -1);
    if (version != FORMAT_VERSION) {
      throw new StoreException("the store at " + dir + " has format version " + version
          + ", but this chunkstore reads only version " + FORMAT_VERSION
          + (version > FORMAT_VERSION ? "; use a newer chunkstore" : ""));
    }
    StoreConfig config;
    try {
      config = new StoreConfig(json.getOrDefault("chunker", ""), json.getOrDefault("hash", ""),
          json.getOrDefault("compression", ""), number(json, "packSize", 0), (int) number(json, "frameSize", 0),
          json.getOrDefault("backend", "")).validated();
    } catch (IllegalArgumentException e) {
      throw new StoreException(configFile + " has a setting this chunkstore cannot use: " + e.getMessage(), e);
    }
    StorePermissions permissions = StorePermissions.of(dir);
    permissions.createFileIfMissing(dir.resolve("lock"));
    FileChannel ch = FileChannel.open(dir.resolve("lock"), StandardOpenOption.READ, StandardOpenOption.WRITE);
    FileLock lock;
    try {
      lock = ch.tryLock();
    } catch (OverlappingFileLockException e) {
      ch.close();
      throw new StoreException("the store at " + dir + " is already open in this process; close it first"
          + " (one ChunkStore per store at a time)");
    }
    if (lock == null) {
      long holder = readHolder(ch);
      ch.close();
      throw new StoreLockedException(dir, holder);
    }
    ch.truncate(0);
    ch.write(ByteBuffer.wrap((ProcessHandle.current().pid() + "\n").getBytes(StandardCharsets.US_ASCII)), 0);
    restrictIndexFiles(permissions, dir.resolve("index")); // a process killed under a looser umask left them so
    return new StoreDirectory(dir, config, json.getOrDefault("storeId", ""), ch, lock, permissions,
        permissions.warning(dir));
  }

  /**
   * The scalar fields of the JSON object in {@code bytes}, as text (nested values are skipped);
   * empty if it holds no object.
   */
  private static Map<String, String> readFlatObject(byte[] bytes) throws IOException {
    Map<String, String> fields = new HashMap<>();
    try (JsonParser p = JSON.createParser(bytes)) {
      if (p.nextToken() != JsonToken.START_OBJECT) {
        return fields;
      }
      for (JsonToken t = p.nextToken(); t == JsonToken.FIELD_NAME; t = p.nextToken()) {
        String name = p.currentName();
        JsonToken value = p.nextToken();
        if (value == JsonToken.START_OBJECT || value == JsonToken.START_ARRAY) {
          p.skipChildren();
        } else if (value != JsonToken.VALUE_NULL) {
          fields.put(name, p.getText());
        }
      }
    }
    return fields;
  }

  /** The field {@code name} as a whole number, or {@code otherwise} if it is missing or not one. */
  private static long number(Map<String, String> fields, String name, long otherwise) {
    String v = fields.get(name);
    if (v == null) {
      return otherwise;
    }
    try {
      return Long.parseLong(v.trim());
    } catch (NumberFormatException e) {
      return otherwise;
    }
  }

  /** Gives a store's existing root directory its permissions, with one sentence if it cannot. */
  private static void applyToRoot(StorePermissions permissions, Path dir) throws IOException {
    try {
      permissions.apply(dir);
    } catch (java.nio.file.FileSystemException e) {
      String why = e.getReason() == null ? e.getMessage() : e.getReason();
      throw new StoreException("cannot give " + dir + (permissions.group().isPresent()
          ? " to group " + permissions.group().get() + " (are you a member of it?)" : " its permissions")
          + ": " + why, e);
    }
  }

  /** The pid the lock file names, or -1. */
  private static long readHolder(FileChannel ch) {
    try {
      ByteBuffer b = ByteBuffer.allocate(32);
      ch.read(b, 0);
      String pid = new String(b.array(), 0, b.position(), StandardCharsets.US_ASCII).trim();
      return pid.isEmpty() ? -1 : Long.parseLong(pid);
    } catch (IOException | NumberFormatException e) {
      return -1;
    }
  }

  /** Writes {@code data} to {@code file} so that it is either wholly there or not at all after a crash. */
  static void writeDurably(Path file, byte[] data, StorePermissions permissions) throws IOException {
    Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
    Files.deleteIfExists(tmp);
    permissions.createFileIfMissing(tmp);
    try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
      ch.write(ByteBuffer.wrap(data));
      ch.force(true);
    }
    Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    try (FileChannel dir = FileChannel.open(file.getParent(), StandardOpenOption.READ)) {
      dir.force(true);
    }
  }

  /** The store's root directory. */
  public Path root() {
    return root;
  }

  /** The settings the store was created with. */
  public StoreConfig config() {
    return config;
  }

  /** The store's unique id, chosen at creation. */
  public String storeId() {
    return storeId;
  }

  /** Where RocksDB keeps the index. */
  public Path indexDir() {
    return root.resolve("index");
  }

  /** Where the local backend keeps packs. */
  public Path packsDir() {
    return root.resolve("packs");
  }

  /** Where the index's backups are kept (RocksDB BackupEngine), beside the packs. */
  public Path metaDir() {
    return root.resolve("meta");
  }

  /** Where packs are written before they are sealed. */
  public Path stagingDir() {
    return root.resolve("staging");
  }

  /** Who may open the store's files. */
  public StorePermissions permissions() {
    return permissions;
  }

  /**
   * One sentence, if the store was open to users it should not be when it was opened: which path
   * and the {@code chmod} that closes it. Checked once, at open.
   */
  public Optional<String> permissionWarning() {
    return permissionWarning;
  }

  /**
   * Gives the files RocksDB made in {@code index/} the store's modes: RocksDB creates them with
   * the process umask, which a Java library cannot set. Files of another user of a shared store
   * stay as they are (only their owner may change them).
   */
  public void restrictIndexFiles() {
    restrictIndexFiles(permissions, indexDir());
    if (Files.isDirectory(metaDir())) {
      // RocksDB's BackupEngine makes its files with the process umask too, and a backup a kill
      // cut short never had them fixed
      restrictIndexFiles(permissions, metaDir());
    }
  }

  private static void restrictIndexFiles(StorePermissions permissions, Path indexDir) {
    try {
      permissions.fix(indexDir);
    } catch (IOException notAll) {
      // what could not be changed is inside the 0700 (2770) index directory all the same
    }
  }

  /** Gives the index files the store's modes (see {@link #restrictIndexFiles}) and releases the lock. */
  @Override
  public void close() throws IOException {
    restrictIndexFiles();
    try {
      lock.release();
    } finally {
      lockChannel.close();
    }
  }
}
