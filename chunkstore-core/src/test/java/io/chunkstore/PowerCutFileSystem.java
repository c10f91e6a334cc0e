package io.chunkstore;

import java.io.IOException;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.SeekableByteChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessMode;
import java.nio.file.CopyOption;
import java.nio.file.DirectoryStream;
import java.nio.file.FileStore;
import java.nio.file.FileSystem;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.nio.file.StandardOpenOption;
import java.nio.file.WatchEvent;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.FileAttributeView;
import java.nio.file.attribute.UserPrincipalLookupService;
import java.nio.file.spi.FileSystemProvider;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

/**
 * A file system for power-loss tests, laid over the default one: every call goes through to the
 * real files at once, and a journal records what a power cut would keep of them — for each file
 * (inode) the size at its last {@code fsync}, and for each new name whether its directory was
 * fsynced after it appeared. After the process that wrote through it is killed, {@link #cut}
 * applies the journal to the real files: each file is cut back to its fsynced length and names
 * that no directory fsync made durable disappear, which is what a machine that lost power keeps
 * (one of the outcomes: a real disk may also keep some unsynced bytes, or garbage in their place).
 *
 * <p>What Java code writes goes through here when its paths come from {@link #wrap}; native code
 * (RocksDB) writes the real files directly and is not journaled. Deletions are not undone.
 */
final class PowerCutFileSystem extends FileSystem {
  private final Provider provider = new Provider();
  private final FileSystem real = FileSystems.getDefault();
  private final FileChannel journal;
  private long sequence;

  /** Journals into {@code journalFile} (appended to), which must not be inside what the store writes. */
  PowerCutFileSystem(Path journalFile) throws IOException {
    this.journal = FileChannel.open(journalFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
        StandardOpenOption.APPEND);
  }

  /** {@code realPath} as a path of this file system. */
  Path wrap(Path realPath) {
    return new CutPath(this, realPath);
  }

  // ---- the journal: one line per event, written before the call returns (kill -9 keeps it)

  private synchronized void record(String kind, String a, String b) {
    String line = kind + '\t' + a + (b == null ? "" : '\t' + b) + '\t' + (++sequence) + '\n';
    ByteBuffer buf = ByteBuffer.wrap(line.getBytes(StandardCharsets.UTF_8));
    try {
      while (buf.hasRemaining()) {
        journal.write(buf);
      }
    } catch (IOException e) {
      throw new java.io.UncheckedIOException("cannot write the power-cut journal", e);
    }
  }

  private static String key(Path real) throws IOException {
    return String.valueOf(Files.readAttributes(real, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS).fileKey());
  }

  private static String name(Path real) {
    return real.toAbsolutePath().normalize().toString();
  }

  /** A name appeared; {@code newFile}: and with it a new, empty inode. */
  private void appeared(Path real, boolean newFile) throws IOException {
    if (newFile) {
      record("N", key(real), null);
    }
    record("C", name(real), null);
  }

  /**
   * Applies the journal to the files under {@code root} after the writing process died: cuts each
   * journaled file back to the length it had at its last fsync (0 if it never had one) and removes
   * names whose directory was not fsynced after they appeared.
   *
   * @return what it took away
   */
  static Cut cut(Path journalFile, Path root) throws IOException {
    Map<String, Long> durableSize = new HashMap<>();
    Map<String, Long> createdAt = new HashMap<>();
    Map<String, Long> dirSyncedAt = new HashMap<>();
    for (String line : Files.readAllLines(journalFile, StandardCharsets.UTF_8)) {
      String[] f = line.split("\t");
      if (f.length < 3) {
        continue; // the last line, cut short by the kill
      }
      long seq = Long.parseLong(f[f.length - 1]);
      switch (f[0]) {
        case "N" -> durableSize.put(f[1], 0L);
        case "S" -> durableSize.put(f[1], Long.parseLong(f[2]));
        case "C" -> createdAt.put(f[1], seq);
        case "D" -> dirSyncedAt.put(f[1], seq);
        default -> throw new IOException("bad journal line: " + line);
      }
    }
    int removed = 0;
    for (Map.Entry<String, Long> e : createdAt.entrySet()) {
      Path p = Path.of(e.getKey());
      String parent = name(p.getParent());
      if (dirSyncedAt.getOrDefault(parent, -1L) < e.getValue() && Files.exists(p, LinkOption.NOFOLLOW_LINKS)) {
        deleteRecursively(p);
        removed++;
      }
    }
    int truncated = 0;
    long bytesLost = 0;
    List<Path> files;
    try (Stream<Path> s = Files.walk(root)) {
      files = s.filter(p -> Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)).toList();
    }
    for (Path p : files) {
      Long keep = durableSize.get(key(p));
      long size = Files.size(p);
      if (keep != null && size > keep) {
        try (FileChannel ch = FileChannel.open(p, StandardOpenOption.WRITE)) {
          ch.truncate(keep);
        }
        truncated++;
        bytesLost += size - keep;
      }
    }
    return new Cut(removed, truncated, bytesLost);
  }

  /** What a power cut took: names whose directory was not fsynced, and unsynced bytes of files. */
  record Cut(int namesRemoved, int filesCut, long bytesLost) {}

  private static void deleteRecursively(Path p) throws IOException {
    try (Stream<Path> s = Files.walk(p)) {
      for (Path q : s.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(q);
      }
    }
  }

  // ---- java.nio.file plumbing: everything goes to the real file system

  private static Path unwrap(Path p) {
    if (p instanceof CutPath c) {
      return c.real;
    }
    throw new java.nio.file.ProviderMismatchException("not a power-cut path: " + p);
  }

  @Override
  public FileSystemProvider provider() {
    return provider;
  }

  @Override
  public void close() throws IOException {
    journal.close();
  }

  @Override
  public boolean isOpen() {
    return journal.isOpen();
  }

  @Override
  public boolean isReadOnly() {
    return false;
  }

  @Override
  public String getSeparator() {
    return real.getSeparator();
  }

  @Override
  public Iterable<Path> getRootDirectories() {
    List<Path> roots = new ArrayList<>();
    real.getRootDirectories().forEach(r -> roots.add(wrap(r)));
    return roots;
  }

  @Override
  public Iterable<FileStore> getFileStores() {
    return real.getFileStores();
  }

  @Override
  public Set<String> supportedFileAttributeViews() {
    return real.supportedFileAttributeViews();
  }

  @Override
  public Path getPath(String first, String... more) {
    return wrap(real.getPath(first, more));
  }

  @Override
  public PathMatcher getPathMatcher(String syntaxAndPattern) {
    PathMatcher m = real.getPathMatcher(syntaxAndPattern);
    return p -> m.matches(unwrap(p));
  }

  @Override
  public UserPrincipalLookupService getUserPrincipalLookupService() {
    return real.getUserPrincipalLookupService();
  }

  @Override
  public WatchService newWatchService() {
    throw new UnsupportedOperationException();
  }

  private final class Provider extends FileSystemProvider {
    @Override
    public String getScheme() {
      return "powercut";
    }

    @Override
    public FileSystem newFileSystem(URI uri, Map<String, ?> env) {
      throw new UnsupportedOperationException();
    }

    @Override
    public FileSystem getFileSystem(URI uri) {
      return PowerCutFileSystem.this;
    }

    @Override
    public Path getPath(URI uri) {
      return wrap(Path.of(uri));
    }

    @Override
    public SeekableByteChannel newByteChannel(Path path, Set<? extends OpenOption> options, FileAttribute<?>... attrs)
        throws IOException {
      return newFileChannel(path, options, attrs);
    }

    @Override
    public FileChannel newFileChannel(Path path, Set<? extends OpenOption> options, FileAttribute<?>... attrs)
        throws IOException {
      Path p = unwrap(path);
      boolean existed = Files.exists(p, LinkOption.NOFOLLOW_LINKS);
      FileChannel ch = FileChannel.open(p, options, attrs);
      if (!existed) {
        appeared(p, true);
      }
      return new CutChannel(ch, p, Files.isDirectory(p));
    }

    @Override
    public DirectoryStream<Path> newDirectoryStream(Path dir, DirectoryStream.Filter<? super Path> filter)
        throws IOException {
      DirectoryStream<Path> inner = Files.newDirectoryStream(unwrap(dir), q -> filter.accept(wrap(q)));
      return new DirectoryStream<>() {
        @Override
        public Iterator<Path> iterator() {
          Iterator<Path> it = inner.iterator();
          return new Iterator<>() {
            @Override
            public boolean hasNext() {
              return it.hasNext();
            }

            @Override
            public Path next() {
              return wrap(it.next());
            }
          };
        }

        @Override
        public void close() throws IOException {
          inner.close();
        }
      };
    }

    @Override
    public void createDirectory(Path dir, FileAttribute<?>... attrs) throws IOException {
      Path p = unwrap(dir);
      Files.createDirectory(p, attrs);
      appeared(p, false);
    }

    @Override
    public void createLink(Path link, Path existing) throws IOException {
      Path p = unwrap(link);
      Files.createLink(p, unwrap(existing));
      appeared(p, false);
    }

    @Override
    public void delete(Path path) throws IOException {
      Files.delete(unwrap(path));
    }

    @Override
    public void copy(Path source, Path target, CopyOption... options) throws IOException {
      Path t = unwrap(target);
      Files.copy(unwrap(source), t, options);
      appeared(t, true);
    }

    @Override
    public void move(Path source, Path target, CopyOption... options) throws IOException {
      Path t = unwrap(target);
      Files.move(unwrap(source), t, options);
      appeared(t, false);
    }

    @Override
    public boolean isSameFile(Path path, Path path2) throws IOException {
      return Files.isSameFile(unwrap(path), unwrap(path2));
    }

    @Override
    public boolean isHidden(Path path) throws IOException {
      return Files.isHidden(unwrap(path));
    }

    @Override
    public FileStore getFileStore(Path path) throws IOException {
      return Files.getFileStore(unwrap(path));
    }

    @Override
    public void checkAccess(Path path, AccessMode... modes) throws IOException {
      Path p = unwrap(path);
      p.getFileSystem().provider().checkAccess(p, modes);
    }

    @Override
    public <V extends FileAttributeView> V getFileAttributeView(Path path, Class<V> type, LinkOption... options) {
      return Files.getFileAttributeView(unwrap(path), type, options);
    }

    @Override
    public <A extends BasicFileAttributes> A readAttributes(Path path, Class<A> type, LinkOption... options)
        throws IOException {
      return Files.readAttributes(unwrap(path), type, options);
    }

    @Override
    public Map<String, Object> readAttributes(Path path, String attributes, LinkOption... options)
        throws IOException {
      return Files.readAttributes(unwrap(path), attributes, options);
    }

    @Override
    public void setAttribute(Path path, String attribute, Object value, LinkOption... options) throws IOException {
      Files.setAttribute(unwrap(path), attribute, value, options);
    }
  }

  /** A channel on a real file whose {@link #force} is journaled: for a file its size, for a directory its names. */
  private final class CutChannel extends FileChannel {
    private final FileChannel inner;
    private final Path file;
    private final boolean directory;

    CutChannel(FileChannel inner, Path file, boolean directory) {
      this.inner = inner;
      this.file = file;
      this.directory = directory;
    }

    @Override
    public void force(boolean metaData) throws IOException {
      // bytes written before the force began are durable when it returns; later ones may not be
      long size = directory ? 0 : inner.size();
      inner.force(metaData);
      if (directory) {
        record("D", name(file), null);
      } else {
        record("S", key(file), Long.toString(size));
      }
    }

    @Override
    public int read(ByteBuffer dst) throws IOException {
      return inner.read(dst);
    }

    @Override
    public long read(ByteBuffer[] dsts, int offset, int length) throws IOException {
      return inner.read(dsts, offset, length);
    }

    @Override
    public int write(ByteBuffer src) throws IOException {
      return inner.write(src);
    }

    @Override
    public long write(ByteBuffer[] srcs, int offset, int length) throws IOException {
      return inner.write(srcs, offset, length);
    }

    @Override
    public long position() throws IOException {
      return inner.position();
    }

    @Override
    public FileChannel position(long newPosition) throws IOException {
      inner.position(newPosition);
      return this;
    }

    @Override
    public long size() throws IOException {
      return inner.size();
    }

    @Override
    public FileChannel truncate(long size) throws IOException {
      inner.truncate(size);
      return this;
    }

    @Override
    public long transferTo(long position, long count, WritableByteChannel target) throws IOException {
      return inner.transferTo(position, count, target);
    }

    @Override
    public long transferFrom(ReadableByteChannel src, long position, long count) throws IOException {
      return inner.transferFrom(src, position, count);
    }

    @Override
    public int read(ByteBuffer dst, long position) throws IOException {
      return inner.read(dst, position);
    }

    @Override
    public int write(ByteBuffer src, long position) throws IOException {
      return inner.write(src, position);
    }

    @Override
    public MappedByteBuffer map(MapMode mode, long position, long size) throws IOException {
      throw new UnsupportedOperationException("mapped writes would bypass the journal");
    }

    @Override
    public FileLock lock(long position, long size, boolean shared) throws IOException {
      return inner.lock(position, size, shared);
    }

    @Override
    public FileLock tryLock(long position, long size, boolean shared) throws IOException {
      return inner.tryLock(position, size, shared);
    }

    @Override
    protected void implCloseChannel() throws IOException {
      inner.close();
    }
  }

  /** A path of this file system: a real path, wrapped so that calls on it come back here. */
  private static final class CutPath implements Path {
    private final PowerCutFileSystem fs;
    final Path real;

    CutPath(PowerCutFileSystem fs, Path real) {
      this.fs = fs;
      this.real = real;
    }

    private Path w(Path p) {
      return p == null ? null : new CutPath(fs, p);
    }

    @Override
    public FileSystem getFileSystem() {
      return fs;
    }

    @Override
    public boolean isAbsolute() {
      return real.isAbsolute();
    }

    @Override
    public Path getRoot() {
      return w(real.getRoot());
    }

    @Override
    public Path getFileName() {
      return w(real.getFileName());
    }

    @Override
    public Path getParent() {
      return w(real.getParent());
    }

    @Override
    public int getNameCount() {
      return real.getNameCount();
    }

    @Override
    public Path getName(int index) {
      return w(real.getName(index));
    }

    @Override
    public Path subpath(int beginIndex, int endIndex) {
      return w(real.subpath(beginIndex, endIndex));
    }

    @Override
    public boolean startsWith(Path other) {
      return other instanceof CutPath c && real.startsWith(c.real);
    }

    @Override
    public boolean endsWith(Path other) {
      return other instanceof CutPath c && real.endsWith(c.real);
    }

    @Override
    public Path normalize() {
      return w(real.normalize());
    }

    @Override
    public Path resolve(Path other) {
      return w(real.resolve(other instanceof CutPath c ? c.real : other));
    }

    @Override
    public Path relativize(Path other) {
      return w(real.relativize(unwrap(other)));
    }

    @Override
    public URI toUri() {
      return real.toUri();
    }

    @Override
    public Path toAbsolutePath() {
      return w(real.toAbsolutePath());
    }

    @Override
    public Path toRealPath(LinkOption... options) throws IOException {
      return w(real.toRealPath(options));
    }

    @Override
    public WatchKey register(WatchService watcher, WatchEvent.Kind<?>[] events, WatchEvent.Modifier... modifiers) {
      throw new UnsupportedOperationException();
    }

    @Override
    public int compareTo(Path other) {
      return real.compareTo(unwrap(other));
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof CutPath c && c.real.equals(real);
    }

    @Override
    public int hashCode() {
      return real.hashCode();
    }

    /** The real path: what native code (RocksDB) opens. */
    @Override
    public String toString() {
      return real.toString();
    }
  }
}
