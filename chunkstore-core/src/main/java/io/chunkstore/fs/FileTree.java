package io.chunkstore.fs;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.chunkstore.Attributes;
import io.chunkstore.index.Batch;
import io.chunkstore.index.Counter;
import io.chunkstore.index.DirEntry;
import io.chunkstore.index.Extent;
import io.chunkstore.index.Index;
import io.chunkstore.index.InodeRecord;
import io.chunkstore.store.BlockStore;
import io.chunkstore.store.ChunkPipeline;
import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.SeekableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The file system model: directories, regular files made of extents, symlinks and their
 * attributes, on top of the index and the block store.
 *
 * <p>Paths are absolute, {@code /}-separated strings inside the store; symlinks are not followed.
 * Failures are the {@code java.nio.file} exceptions a file system would throw
 * ({@link NoSuchFileException}, {@link FileAlreadyExistsException},
 * {@link DirectoryNotEmptyException}, {@link NotDirectoryException}) and never errno values: the
 * FUSE adapter translates.
 *
 * <p>Replacing a file's content is atomic: the new content goes to a fresh inode, and one index
 * batch links it in place of the old one. A long file commits its extents in pieces first, under
 * an orphan mark; a crash in between leaves the old file and an orphan that
 * {@link #freeOrphans()} reclaims.
 *
 * <p>Thread-safe: changes to the tree are serialized; content streams in without the lock.
 */
public final class FileTree {
  private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(FileTree.class);
  /** The root directory's inode number. */
  public static final long ROOT = 1;
  static final String NEXT_INO = "next_ino";
  private static final int MAX_NAME_BYTES = 255;
  private static final int S_ISUID = 04000;
  private static final int S_ISGID = 02000;
  private static final int S_IXGRP = 00010;
  /** Commit a long file's extents in pieces so that memory does not grow with its length. */
  private static final long MAX_BATCH_BYTES = 8L << 20;

  private final Index index;
  private final BlockStore blocks;
  private final ChunkPipeline pipeline;
  private final AtomicLong nextIno;
  private final Object treeLock = new Object();
  /** Regular files open for I/O, by inode; guarded by treeLock. */
  private final java.util.Map<Long, OpenFile> openFiles = new java.util.HashMap<>();
  /** Open handles (FUSE file handles) to their files. */
  private final java.util.Map<Long, OpenFile> handles = new java.util.concurrent.ConcurrentHashMap<>();
  private final AtomicLong nextHandle = new AtomicLong(1);
  /** {@link #allocatedBytes} of recently stat'ed files; dropped whenever their extents change. */
  private final Cache<Long, Long> allocated = Caffeine.newBuilder().maximumSize(100_000)
      .executor(Runnable::run).build(); // upkeep on the caller: no hand-off to another thread per change
  /** Bytes staged by all open files; past the budget a writer folds its file before going on. */
  private final AtomicLong stagedTotal = new AtomicLong();
  private final long stagingBudget;
  /** Stores staged pieces of files being written while their writers go on; one fold per file at a time. */
  private final java.util.concurrent.ThreadPoolExecutor folder =
      foldThreads(Math.max(2, Runtime.getRuntime().availableProcessors()), "chunkstore-fold");
  /**
   * Stores what closes left ({@link #foldAfterClose}), one file at a time: the closing processes'
   * next requests keep a core. Two threads, the big pieces' pool, made a 3.5k-file untar 11%
   * slower on two cores than one did: two small folds at once took both.
   */
  private final java.util.concurrent.ThreadPoolExecutor closeFolder = foldThreads(1, "chunkstore-close-fold");
  /** Where blocks go, if a close may return before its fold ({@link #foldAfterClose}); else null. */
  private volatile java.nio.file.FileStore foldAfterCloseOn;
  /**
   * Room a close leaves to a fold thread beyond twice the file's staged bytes: a pack being
   * sealed and the index's own files need some too, and a close that would fill the disk must
   * hear so itself.
   */
  static final long CLOSE_ROOM = 256L << 20;
  /** Bulk-imported files waiting to become visible together; guarded by treeLock. */
  private final Batch pending;
  private final java.util.Set<String> pendingNames = new java.util.HashSet<>();
  /** Inodes the pending batch unlinks: a second change to one must see the first applied. */
  private final java.util.Set<Long> pendingUnlinked = new java.util.HashSet<>();
  /** Open files the pending batch unlinks: marked once it is committed. */
  private final List<OpenFile> pendingOrphaned = new ArrayList<>();
  private static final long PENDING_BYTES = 4L << 20;
  private static final int PENDING_FILES = 4096;

  /** Longest a deferred attribute change waits for the fold of its file's writes. */
  private volatile long deferredCommitDelayMillis = 1000;
  /** Commits deferred attributes that waited {@link #deferredCommitDelayMillis}. */
  private final java.util.concurrent.ScheduledThreadPoolExecutor deferredCommits = deferredCommitThread();
  /** A commit of deferred attributes is scheduled; guarded by treeLock. */
  private boolean deferredCommitDue;

  private static java.util.concurrent.ScheduledThreadPoolExecutor deferredCommitThread() {
    java.util.concurrent.ScheduledThreadPoolExecutor t = new java.util.concurrent.ScheduledThreadPoolExecutor(1, r -> {
      Thread th = new Thread(r, "chunkstore-attributes");
      th.setDaemon(true);
      return th;
    });
    t.setKeepAliveTime(10, java.util.concurrent.TimeUnit.SECONDS);
    t.allowCoreThreadTimeOut(true); // a tree that is not written to keeps no thread
    return t;
  }

  private static java.util.concurrent.ThreadPoolExecutor foldThreads(int n, String name) {
    java.util.concurrent.ThreadPoolExecutor pool = new java.util.concurrent.ThreadPoolExecutor(n, n, 10,
        java.util.concurrent.TimeUnit.SECONDS, new java.util.concurrent.LinkedBlockingQueue<>(), r -> {
          Thread t = new Thread(r, name);
          t.setDaemon(true);
          return t;
        });
    pool.allowCoreThreadTimeOut(true); // a tree that is not written to keeps no threads
    return pool;
  }

  /** A tree over {@code index} whose content lives in {@code blocks}; creates the root if needed. */
  public FileTree(Index index, BlockStore blocks) throws IOException {
    this(index, blocks, 256L << 20);
  }

  /**
   * A tree whose open files stage at most {@code stagingBudget} bytes of writes in memory in all
   * before they are folded into blocks.
   */
  public FileTree(Index index, BlockStore blocks, long stagingBudget) throws IOException {
    this.stagingBudget = stagingBudget;
    this.index = index;
    this.pending = index.batch();
    this.blocks = blocks;
    this.pipeline = new ChunkPipeline(blocks);
    long next = index.meta(NEXT_INO).map(FileTree::decodeLong).orElse(ROOT + 1);
    this.nextIno = new AtomicLong(next);
    if (index.inode(ROOT).isEmpty()) {
      long now = now();
      try (Batch b = index.batch()) {
        b.putInode(new InodeRecord(ROOT, InodeRecord.S_IFDIR | 0755, 2, Owner.uid(), Owner.gid(), 0, now, now, now, 0, null));
        b.putMeta(NEXT_INO, encodeLong(next));
        blocks.commit(b, true);
      }
    }
  }

  // ---- lookups

  /** The inode at {@code path}, with the size and time of writes not yet folded. */
  public Stat stat(String path) throws IOException {
    return Stat.of(statRecord(path));
  }

  private InodeRecord statRecord(String path) throws IOException {
    return withOpenState(resolve(Paths.split(path)));
  }

  private InodeRecord withOpenState(InodeRecord n) {
    synchronized (treeLock) {
      // n may have been read before a fold committed (and its file closed since): a stale record
      // would show a smaller size than the writes before this call, or attributes from before a
      // deferred change. Read it again, under the lock every commit of an inode holds (from the
      // index's cache: n's own read has just filled it).
      InodeRecord cur = index.inode(n.ino()).orElse(n);
      OpenFile f = openFiles.get(n.ino());
      if (f == null) {
        return cur;
      }
      InodeRecord r = f.isDirty() ? cur.withContent(f.size(), f.mtimeNanos()) : cur;
      OpenFile.Deferred d = f.deferred;
      return d == null ? r : d.applyTo(r, f.mtimeNanos());
    }
  }

  /** The inode numbered {@code ino}, as committed. */
  InodeRecord inode(long ino) throws NoSuchFileException {
    return index.inode(ino).orElseThrow(() -> new NoSuchFileException("inode " + ino));
  }

  /** The inode numbered {@code ino}, with the size and time of writes not yet folded. */
  public Stat statInode(long ino) throws NoSuchFileException {
    return Stat.of(withOpenState(inode(ino)));
  }

  /**
   * The inode named {@code name} in the directory numbered {@code parent}, with the size and time
   * of writes not yet folded: what an inode-based file system (FUSE's low-level API) looks up.
   */
  public Stat lookup(long parent, String name) throws IOException {
    return find(parent, name).orElseThrow(() -> new NoSuchFileException(name));
  }

  /** What {@link #lookup(long, String)} finds, or empty if the directory has no such name. */
  public Optional<Stat> find(long parent, String name) throws IOException {
    checkName(name);
    InodeRecord dir = directory(parent);
    Optional<DirEntry> e = index.lookup(dir.ino(), name);
    return e.isEmpty() ? Optional.empty() : Optional.of(statInode(e.get().ino()));
  }

  /** The entries of the directory at {@code path}, sorted by name bytes. */
  public List<DirectoryEntry> list(String path) throws IOException {
    InodeRecord dir = statRecord(path);
    if (!dir.isDirectory()) {
      throw new NotDirectoryException(path);
    }
    return DirectoryEntry.all(index.list(dir.ino()));
  }

  /** The entries of the directory numbered {@code dir}, sorted by name bytes. */
  public List<DirectoryEntry> list(long dir) throws IOException {
    return DirectoryEntry.all(index.list(directory(dir).ino()));
  }

  /** The target of the symlink at {@code path}. */
  public String readSymlink(String path) throws IOException {
    return symlinkTarget(statRecord(path), path);
  }

  /** The target of the symlink numbered {@code ino}. */
  public String readSymlink(long ino) throws IOException {
    return symlinkTarget(inode(ino), "inode " + ino);
  }

  private static String symlinkTarget(InodeRecord n, String shown) throws InvalidOperationException {
    if (!n.isSymlink()) {
      throw new InvalidOperationException(shown, null, "not a symbolic link");
    }
    return n.symlinkTarget();
  }

  /** A read-only channel over the regular file at {@code path}, as it is now. */
  public SeekableByteChannel openRead(String path) throws IOException {
    InodeRecord n = statRecord(path);
    if (n.isDirectory()) {
      throw new IsDirectoryException(path);
    }
    if (!n.isRegularFile()) {
      throw new FileSystemException(path, null, "not a regular file");
    }
    return new FileContentChannel(index, blocks, n);
  }

  // ---- changes

  /** Makes a directory; its parent must exist. */
  public Stat mkdir(String path, Attributes attrs) throws IOException {
    return Stat.of(createEntry(path, 1, directoryMaker(attrs)));
  }

  /** Makes the directory {@code name} in the directory numbered {@code parent}. */
  public Stat mkdir(long parent, String name, Attributes attrs) throws IOException {
    return Stat.of(createEntry(parent, name, 1, directoryMaker(attrs)));
  }

  private java.util.function.LongFunction<InodeRecord> directoryMaker(Attributes attrs) {
    return ino -> newInode(ino, InodeRecord.S_IFDIR | perms(attrs, 0755), 2, attrs, 0, now(), null);
  }


  /** Makes a directory and any missing parents; an existing directory is fine. */
  public Stat mkdirs(String path, Attributes attrs) throws IOException {
    List<String> names = Paths.split(path);
    InodeRecord cur = inode(ROOT);
    StringBuilder sb = new StringBuilder();
    for (String name : names) {
      sb.append('/').append(name);
      Optional<DirEntry> e = index.lookup(cur.ino(), name);
      if (e.isPresent()) {
        cur = inode(e.get().ino());
        if (!cur.isDirectory()) {
          throw new NotDirectoryException(sb.toString());
        }
      } else {
        try {
          cur = createEntry(sb.toString(), 1, directoryMaker(attrs));
        } catch (FileAlreadyExistsException raced) {
          cur = statRecord(sb.toString());
        }
      }
    }
    return Stat.of(cur);
  }

  /**
   * Writes the regular file at {@code path} from {@code in}, creating it or atomically replacing
   * the file that is there, visible when this returns. Its parent directory must exist.
   */
  public Stat writeFile(String path, InputStream in, Attributes attrs) throws IOException {
    Stat written = importFile(path, in, attrs);
    commitPending();
    return written;
  }

  /**
   * Writes a regular file as part of a bulk import: like {@link #writeFile}, but the file becomes
   * visible with others at the next {@link #commitPending()} (or when enough have gathered), so
   * that the small blocks of many files share compressed frames and index commits. A long file
   * commits its extents in pieces to a fresh inode marked as an orphan, which one batch links in
   * place of the old file at the end; a crash in between leaves the old file and an orphan that
   * {@link #freeOrphans()} reclaims.
   */
  public Stat importFile(String path, InputStream in, Attributes attrs) throws IOException {
    List<String> names = Paths.split(path);
    String name = Paths.last(names);
    checkTarget(names, path);
    long now = now();
    InodeRecord fresh;
    synchronized (treeLock) {
      fresh = newInode(nextIno.getAndIncrement(), InodeRecord.S_IFREG | perms(attrs, 0644), 0, attrs, 0, now, null);
    }
    Batch[] content = {index.batch()};
    boolean[] orphaned = {false};
    long[] stored = {0};
    long size;
    try {
      size = pipeline.write(in, 0, extent -> {
        stored[0] += extent.length();
        content[0].putExtent(fresh.ino(), extent);
        content[0].addRef(extent.block(), 1);
        if (content[0].sizeBytes() > MAX_BATCH_BYTES) {
          // with the pending imports: this thread's hits for them must not lose their protection
          commitPendingWith(content[0], fresh, orphaned);
        }
      });
    } catch (IOException | RuntimeException e) {
      if (orphaned[0]) {
        freeQuietly(fresh.ino());
      }
      throw e;
    }
    synchronized (treeLock) {
      InodeRecord parent;
      Optional<DirEntry> old;
      try {
        parent = parentDir(names, path);
        if (pendingNames.contains(parent.ino() + "/" + name)) {
          commitPendingWith(content[0], fresh, orphaned);
        }
        old = index.lookup(parent.ino(), name);
        if (old.isPresent() && pendingUnlinked.contains(old.get().ino())) {
          // another name of the same inode was replaced: see that change first
          commitPendingWith(content[0], fresh, orphaned);
          old = index.lookup(parent.ino(), name);
        }
        if (old.isPresent() && isDirectory(old.get())) {
          throw new IsDirectoryException(path);
        }
      } catch (IOException e) {
        if (orphaned[0]) {
          freeQuietly(fresh.ino());
        }
        throw e;
      }
      long mtime = attrs.mtimeNanos() == Attributes.NOW ? now() : attrs.mtimeNanos();
      long atime = attrs.atimeNanos() == Attributes.NOW ? mtime : attrs.atimeNanos();
      InodeRecord linked = new InodeRecord(fresh.ino(), fresh.mode(), 1, fresh.uid(), fresh.gid(), size,
          atime, mtime, now(), 0, null);
      Batch b = content[0];
      b.putMeta(NEXT_INO, encodeLong(nextIno.get()));
      b.putInode(linked);
      if (orphaned[0]) {
        b.deleteOrphan(linked.ino());
      }
      b.putDirEntry(parent.ino(), new DirEntry(name, linked.ino(), linked.mode()));
      b.addCounter(Counter.LOGICAL_BYTES, size);
      b.addCounter(Counter.HOLE_BYTES, size - stored[0]);
      if (old.isPresent()) {
        pendingUnlinked.add(old.get().ino());
        unlink(b, inode(old.get().ino()), pendingOrphaned);
      }
      pending.append(b);
      pendingNames.add(parent.ino() + "/" + name);
      if (pending.sizeBytes() > PENDING_BYTES || pendingNames.size() >= PENDING_FILES) {
        commitPending();
      }
      return Stat.of(linked);
    }
  }

  /**
   * Commits the pending imports together with {@code content}, the extents an import has stored so
   * far for the fresh inode {@code fresh}, which is marked an orphan until it is linked (a crash
   * in between frees it). The dedup hits confirmed for those extents count as in flight until a
   * commit of this thread names them (see BlockStore's cooperation with an online gc): committing
   * the earlier imports without them would let a gc drop a block the import names.
   */
  private void commitPendingWith(Batch content, InodeRecord fresh, boolean[] orphaned) throws IOException {
    synchronized (treeLock) { // the pending batch is the tree's
      if (!orphaned[0]) {
        content.putMeta(NEXT_INO, encodeLong(nextIno.get()));
        content.putInode(fresh);
        content.putOrphan(fresh.ino());
        orphaned[0] = true;
      }
      pending.append(content);
      content.clear();
      commitPending();
    }
  }

  /** Makes the files of {@link #importFile} visible: one index batch for all of them. */
  public void commitPending() throws IOException {
    synchronized (treeLock) {
      if (pending.isEmpty()) {
        return;
      }
      // Last, so that it wins over the older values the pending files carry.
      pending.putMeta(NEXT_INO, encodeLong(nextIno.get()));
      try {
        blocks.commit(pending, false);
        for (OpenFile f : pendingOrphaned) {
          f.unlinked = true;
        }
      } finally {
        // Committed, or failed for good (a block lost with a failed pack): these imports are over
        // either way; their orphan marks, if any, are freed at the next open.
        pending.clear();
        pendingNames.clear();
        pendingUnlinked.clear();
        pendingOrphaned.clear();
      }
    }
  }

  /** Makes a symbolic link at {@code path} that points to {@code target}. */
  public Stat symlink(String path, String target, Attributes attrs) throws IOException {
    commitPending();
    return Stat.of(createEntry(path, 0, symlinkMaker(target, attrs)));
  }

  /** Makes the symbolic link {@code name} to {@code target} in the directory numbered {@code parent}. */
  public Stat symlink(long parent, String name, String target, Attributes attrs) throws IOException {
    commitPending();
    return Stat.of(createEntry(parent, name, 0, symlinkMaker(target, attrs)));
  }

  private java.util.function.LongFunction<InodeRecord> symlinkMaker(String target, Attributes attrs) {
    long mtime = attrs.mtimeNanos() == Attributes.NOW ? now() : attrs.mtimeNanos();
    return ino -> newInode(ino, InodeRecord.S_IFLNK | 0777, 1, attrs,
        target.getBytes(StandardCharsets.UTF_8).length, mtime, target);
  }


  /** What a removal may remove: {@code unlink} refuses directories, {@code rmdir} everything else. */
  private enum Removable { ANY, NOT_DIRECTORY, DIRECTORY }

  /** Removes a file or symlink, or an empty directory. */
  public void delete(String path) throws IOException {
    commitPending();
    List<String> names = Paths.split(path);
    if (names.isEmpty()) {
      throw new InvalidOperationException("/", null, "the root directory cannot be removed");
    }
    synchronized (treeLock) {
      remove(parentDir(names, path).ino(), Paths.last(names), path, Removable.ANY);
    }
  }

  /** Removes the file, symlink or node {@code name} (not a directory) from the directory {@code parent}. */
  public void unlink(long parent, String name) throws IOException {
    commitPending();
    remove(parent, name, name, Removable.NOT_DIRECTORY);
  }

  /** Removes the empty directory {@code name} from the directory {@code parent}. */
  public void rmdir(long parent, String name) throws IOException {
    commitPending();
    remove(parent, name, name, Removable.DIRECTORY);
  }

  private void remove(long parentIno, String name, String shown, Removable what) throws IOException {
    checkName(name);
    synchronized (treeLock) {
      InodeRecord parent = directory(parentIno);
      DirEntry e = index.lookup(parent.ino(), name).orElseThrow(() -> new NoSuchFileException(shown));
      InodeRecord victim = inode(e.ino());
      if (what == Removable.NOT_DIRECTORY && victim.isDirectory()) {
        throw new IsDirectoryException(shown);
      }
      if (what == Removable.DIRECTORY && !victim.isDirectory()) {
        throw new NotDirectoryException(shown);
      }
      long now = now();
      List<OpenFile> orphaned = new ArrayList<>();
      try (Batch b = index.batch()) {
        b.deleteDirEntry(parent.ino(), name);
        if (victim.isDirectory()) {
          if (!index.isEmptyDirectory(victim.ino())) {
            throw new DirectoryNotEmptyException(shown);
          }
          b.deleteInode(victim.ino());
          b.deleteXattrsOf(victim.ino(), index.xattrNames(victim.ino()));
          b.putInode(touched(parent, parent.nlink() - 1, now));
        } else {
          unlink(b, victim, orphaned);
          b.putInode(touched(parent, parent.nlink(), now));
        }
        blocks.commit(b, false);
        markUnlinked(orphaned);
      }
    }
  }

  /**
   * Moves {@code from} to {@code to}, replacing a file there, or an empty directory when
   * {@code from} is a directory too.
   */
  public void rename(String from, String to) throws IOException {
    commitPending();
    List<String> src = Paths.split(from);
    List<String> dst = Paths.split(to);
    if (src.isEmpty() || dst.isEmpty()) {
      throw new InvalidOperationException(from, to, "the root directory cannot be moved or replaced");
    }
    synchronized (treeLock) {
      InodeRecord srcParent = parentDir(src, from);
      InodeRecord dstParent = parentDir(dst, to);
      DirEntry moving = index.lookup(srcParent.ino(), Paths.last(src)).orElseThrow(() -> new NoSuchFileException(from));
      if (isDirectory(moving) && dst.size() > src.size() && dst.subList(0, src.size()).equals(src)) {
        throw new InvalidOperationException(from, to, "a directory cannot be moved into itself");
      }
      move(srcParent.ino(), Paths.last(src), dstParent.ino(), Paths.last(dst), false, from, to);
    }
  }

  /**
   * Moves {@code name} in the directory {@code parent} to {@code newName} in {@code newParent},
   * replacing what is there as {@link #rename(String, String)} does, or refusing to if
   * {@code noReplace}. The caller (the kernel, for a mount) has made sure that a directory is not
   * moved into itself: this tree keeps no parent links to check that with.
   */
  public void rename(long parent, String name, long newParent, String newName, boolean noReplace)
      throws IOException {
    commitPending();
    move(parent, name, newParent, newName, noReplace, name, newName);
  }

  private void move(long srcParentIno, String srcName, long dstParentIno, String dstName, boolean noReplace,
      String from, String to) throws IOException {
    checkName(srcName);
    checkName(dstName);
    synchronized (treeLock) {
      InodeRecord srcParent = directory(srcParentIno);
      InodeRecord dstParent = srcParentIno == dstParentIno ? srcParent : directory(dstParentIno);
      DirEntry moving = index.lookup(srcParent.ino(), srcName).orElseThrow(() -> new NoSuchFileException(from));
      boolean movingDir = isDirectory(moving);
      Optional<DirEntry> replaced = index.lookup(dstParent.ino(), dstName);
      if (noReplace && replaced.isPresent()) {
        throw new FileAlreadyExistsException(to);
      }
      if (replaced.isPresent() && replaced.get().ino() == moving.ino()) {
        return;
      }
      long now = now();
      List<OpenFile> orphaned = new ArrayList<>();
      try (Batch b = index.batch()) {
        int srcLinks = srcParent.nlink();
        int dstLinks = dstParent.nlink();
        if (replaced.isPresent()) {
          InodeRecord old = inode(replaced.get().ino());
          if (old.isDirectory()) {
            if (!movingDir) {
              throw new IsDirectoryException(to);
            }
            if (!index.isEmptyDirectory(old.ino())) {
              throw new DirectoryNotEmptyException(to);
            }
            b.deleteInode(old.ino());
            b.deleteXattrsOf(old.ino(), index.xattrNames(old.ino()));
            dstLinks--;
          } else {
            if (movingDir) {
              throw new NotDirectoryException(to);
            }
            unlink(b, old, orphaned);
          }
        }
        b.deleteDirEntry(srcParent.ino(), srcName);
        b.putDirEntry(dstParent.ino(), new DirEntry(dstName, moving.ino(), moving.mode()));
        if (movingDir) {
          srcLinks--;
          dstLinks++;
        }
        if (srcParent.ino() == dstParent.ino()) {
          b.putInode(touched(srcParent, srcLinks + dstLinks - srcParent.nlink(), now));
        } else {
          b.putInode(touched(srcParent, srcLinks, now));
          b.putInode(touched(dstParent, dstLinks, now));
        }
        InodeRecord m = inode(moving.ino());
        b.putInode(new InodeRecord(m.ino(), m.mode(), m.nlink(), m.uid(), m.gid(), m.size(), m.atimeNanos(),
            m.mtimeNanos(), now, m.rdev(), m.symlinkTarget()));
        blocks.commit(b, false);
        markUnlinked(orphaned);
      }
    }
  }

  /** Changes permissions, owner and times of {@code path}; {@link Attributes#KEEP} fields stay. */
  public Stat setAttributes(String path, Attributes attrs) throws IOException {
    commitPending();
    synchronized (treeLock) {
      return setAttributes(resolve(Paths.split(path)).ino(), attrs);
    }
  }

  /**
   * Changes permissions, owner and times of the inode {@code ino}; {@link Attributes#KEEP} fields
   * stay. A new owner or group of anything but a directory clears set-user-ID and (if the file is
   * group-executable) set-group-ID, as chown(2) does, unless the same call sets the permissions.
   */
  public Stat setAttributes(long ino, Attributes attrs) throws IOException {
    commitPending();
    synchronized (treeLock) {
      OpenFile open = openFiles.get(ino);
      OpenFile.Deferred deferred = open == null ? null : open.deferred;
      // the committed record (a pending fold owns the size), with what is deferred
      InodeRecord committed = inode(ino);
      InodeRecord n = deferred == null ? committed : deferred.applyTo(committed, open.mtimeNanos());
      long now = now();
      boolean chown = attrs.uid() != Attributes.KEEP || attrs.gid() != Attributes.KEEP;
      int mode = attrs.permissions() != Attributes.KEEP
          ? (n.mode() & InodeRecord.S_IFMT) | (attrs.permissions() & 07777)
          : chown && !n.isDirectory() ? withoutSetIdBits(n.mode()) : n.mode();
      int uid = attrs.uid() == Attributes.KEEP ? n.uid() : attrs.uid();
      int gid = attrs.gid() == Attributes.KEEP ? n.gid() : attrs.gid();
      long mtime = attrs.mtimeNanos() == Attributes.NOW ? now
          : attrs.mtimeNanos() == Attributes.KEEP ? n.mtimeNanos() : attrs.mtimeNanos();
      long atime = attrs.atimeNanos() == Attributes.NOW ? now
          : attrs.atimeNanos() == Attributes.KEEP ? n.atimeNanos() : attrs.atimeNanos();
      InodeRecord changed = new InodeRecord(n.ino(), mode, n.nlink(), uid, gid, n.size(), atime, mtime, now,
          n.rdev(), n.symlinkTarget());
      // A set-id bit is committed at once: a write's check for one (dropSetIdBits) reads the index alone.
      if (open != null && open.isDirty() && !open.unlinked && (mode & (S_ISUID | S_ISGID)) == 0) {
        commitDeferredSoon();
        open.deferred = OpenFile.Deferred.of(changed); // the fold of the writes commits it
      } else {
        try (Batch b = index.batch()) {
          b.putInode(changed);
          blocks.commit(b, false);
        }
        if (open != null) {
          open.deferred = null;
        }
      }
      if (open != null && attrs.mtimeNanos() != Attributes.KEEP) {
        open.setMtime(mtime); // the next fold must not put the time of the last write back
      }
      return Stat.of(withOpenState(changed));
    }
  }

  /**
   * What a write or truncation by a process without the privilege to keep them does (the kernel
   * says when, FUSE_HANDLE_KILLPRIV_V2): clears set-user-ID, and set-group-ID if the file is
   * group-executable or the writer is not in the file's group (without group execute the bit
   * marks mandatory locking, which the group may keep). Writes nothing if no bit goes.
   *
   * @param writerInGroup whether the writer belongs to a group id; asked only for a
   *     set-group-ID file without group execute
   */
  public void dropSetIdBits(long ino, java.util.function.IntPredicate writerInGroup) throws IOException {
    if ((inode(ino).mode() & (S_ISUID | S_ISGID)) == 0) {
      return; // the common case, on every write of an ordinary user: no lock (deferred modes have no set-id bit)
    }
    synchronized (treeLock) {
      InodeRecord n = withOpenState(inode(ino));
      int mode = n.mode();
      int kept = withoutSetIdBits(mode);
      if ((kept & S_ISGID) != 0 && !writerInGroup.test(n.gid())) {
        kept &= ~S_ISGID;
      }
      if (kept != mode) {
        setAttributes(ino, new Attributes(kept & 07777, Attributes.KEEP, Attributes.KEEP, Attributes.KEEP,
            Attributes.KEEP));
      }
    }
  }

  private static int withoutSetIdBits(int mode) {
    int kept = mode & ~S_ISUID;
    return (mode & S_IXGRP) != 0 ? kept & ~S_ISGID : kept;
  }

  /**
   * Frees inodes marked as orphans: content of writes that a crash interrupted. Called when a
   * store is opened for writing.
   *
   * @return how many were freed
   */
  public int freeOrphans() throws IOException {
    int n = 0;
    for (long ino : index.orphans()) {
      synchronized (treeLock) {
        try (Batch b = index.batch()) {
          Optional<InodeRecord> node = index.inode(ino);
          if (node.isPresent()) {
            free(b, node.get(), false);
          }
          b.deleteOrphan(ino);
          blocks.commit(b, false);
        }
      }
      n++;
    }
    return n;
  }

  // ---- open files: what the FUSE adapter reads and writes through

  /** Opens the regular file at {@code path} for I/O and returns a handle. */
  public long open(String path) throws IOException {
    commitPending(); // a pending import may replace this very file
    return openInode(resolve(Paths.split(path)), path);
  }

  /** Opens the regular file numbered {@code ino} for I/O and returns a handle. */
  public long open(long ino) throws IOException {
    commitPending();
    return openInode(inode(ino), "inode " + ino);
  }

  private long openInode(InodeRecord n, String shown) throws IOException {
    if (n.isDirectory()) {
      throw new IsDirectoryException(shown);
    }
    if (!n.isRegularFile()) {
      throw new FileSystemException(shown, null, "not a regular file");
    }
    return newHandle(n);
  }

  /**
   * Makes a node: an empty regular file, a FIFO, a socket or a device, owned by {@code uid} and
   * {@code gid}.
   */
  public Stat mknod(String path, int mode, long rdev, int uid, int gid) throws IOException {
    commitPending();
    return Stat.of(createEntry(path, 0, nodeMaker(mode, rdev, uid, gid)));
  }

  /** Makes the node {@code name} in the directory numbered {@code parent}, as {@link #mknod(String, int, long, int, int)}. */
  public Stat mknod(long parent, String name, int mode, long rdev, int uid, int gid) throws IOException {
    commitPending();
    return Stat.of(createEntry(parent, name, 0, nodeMaker(mode, rdev, uid, gid)));
  }

  private static java.util.function.LongFunction<InodeRecord> nodeMaker(int mode, long rdev, int uid, int gid) {
    int type = (mode & InodeRecord.S_IFMT) == 0 ? InodeRecord.S_IFREG : mode & InodeRecord.S_IFMT;
    return ino -> {
      long now = now();
      return new InodeRecord(ino, type | (mode & 07777), 1, uid, gid, 0, now, now, now,
          type == InodeRecord.S_IFREG ? 0 : rdev, null);
    };
  }

  /**
   * Makes a node with the type and permission bits of {@code mode}, and the owner and times of
   * {@code attrs} ({@link Attributes#KEEP}: this process's owner; NOW: the current time).
   */
  public Stat mknod(String path, int mode, long rdev, Attributes attrs) throws IOException {
    commitPending();
    int type = mode & InodeRecord.S_IFMT;
    long now = now();
    long mtime = attrs.mtimeNanos() == Attributes.NOW || attrs.mtimeNanos() == Attributes.KEEP ? now : attrs.mtimeNanos();
    long atime = attrs.atimeNanos() == Attributes.NOW || attrs.atimeNanos() == Attributes.KEEP ? mtime : attrs.atimeNanos();
    int uid = attrs.uid() == Attributes.KEEP ? Owner.uid() : attrs.uid();
    int gid = attrs.gid() == Attributes.KEEP ? Owner.gid() : attrs.gid();
    return Stat.of(createEntry(path, 0, ino -> new InodeRecord(ino, type | (mode & 07777), 1, uid, gid, 0, atime, mtime, now,
        type == InodeRecord.S_IFREG ? 0 : rdev, null)));
  }

  /**
   * Links a new inode, made by {@code make} from a fresh inode number, at {@code path}, whose
   * parent must exist and not have that name yet; the parent gains {@code parentLinks} links.
   */
  private InodeRecord createEntry(String path, int parentLinks, java.util.function.LongFunction<InodeRecord> make)
      throws IOException {
    List<String> names = Paths.split(path);
    if (names.isEmpty()) {
      throw new FileAlreadyExistsException("/");
    }
    synchronized (treeLock) {
      return createEntry(parentDir(names, path).ino(), Paths.last(names), parentLinks, make, path);
    }
  }

  private InodeRecord createEntry(long parentIno, String name, int parentLinks,
      java.util.function.LongFunction<InodeRecord> make) throws IOException {
    checkName(name);
    return createEntry(parentIno, name, parentLinks, make, name);
  }

  private InodeRecord createEntry(long parentIno, String name, int parentLinks,
      java.util.function.LongFunction<InodeRecord> make, String shown) throws IOException {
    synchronized (treeLock) {
      InodeRecord parent = directory(parentIno);
      if (index.lookup(parent.ino(), name).isPresent()) {
        throw new FileAlreadyExistsException(shown);
      }
      InodeRecord node = make.apply(nextIno.getAndIncrement());
      try (Batch b = index.batch()) {
        b.putMeta(NEXT_INO, encodeLong(nextIno.get()));
        b.putInode(node);
        b.putDirEntry(parent.ino(), new DirEntry(name, node.ino(), node.mode()));
        b.putInode(touched(parent, parent.nlink() + parentLinks, now()));
        blocks.commit(b, false);
      }
      return node;
    }
  }


  /** Creates an empty regular file and opens it; returns the handle. */
  public long create(String path, int permissions, int uid, int gid) throws IOException {
    commitPending();
    return newHandle(createEntry(path, 0, nodeMaker(InodeRecord.S_IFREG | (permissions & 07777), 0, uid, gid)));
  }

  /** Creates the empty regular file {@code name} in the directory {@code parent} and opens it; returns the handle. */
  public long create(long parent, String name, int permissions, int uid, int gid) throws IOException {
    commitPending();
    return newHandle(createEntry(parent, name, 0, nodeMaker(InodeRecord.S_IFREG | (permissions & 07777), 0, uid, gid)));
  }

  private long newHandle(InodeRecord n) throws IOException {
    synchronized (treeLock) {
      OpenFile f = openFiles.get(n.ino());
      if (f == null) {
        // Read again under the lock: a release may have folded a new size since n was read.
        InodeRecord cur = inode(n.ino());
        f = new OpenFile(cur.ino(), cur.size(), cur.mtimeNanos(), index, blocks, pipeline, stagedTotal);
        openFiles.put(cur.ino(), f);
      }
      f.handles++;
      long fh = nextHandle.getAndIncrement();
      handles.put(fh, f);
      return fh;
    }
  }

  private OpenFile handle(long fh) throws IOException {
    OpenFile f = handles.get(fh);
    if (f == null) {
      throw new java.nio.channels.ClosedChannelException();
    }
    return f;
  }

  /** Reads up to {@code len} bytes at {@code pos}; returns how many, 0 at the end of the file. */
  public int read(long fh, long pos, byte[] dst, int off, int len) throws IOException {
    return handle(fh).read(pos, dst, off, len);
  }

  /** Writes {@code len} bytes at {@code pos}; they are staged and folded into blocks later. */
  public void write(long fh, long pos, byte[] src, int off, int len) throws IOException {
    OpenFile f = handle(fh);
    f.write(pos, src, off, len);
    staged(f);
  }

  /** Writes the remaining bytes of {@code src} at {@code pos}, as {@link #write(long, long, byte[], int, int)}. */
  public void write(long fh, long pos, java.nio.ByteBuffer src) throws IOException {
    OpenFile f = handle(fh);
    f.write(pos, src);
    staged(f);
  }

  /** What follows a write: a fold when staging is full, or a piece stored in the background. */
  private void staged(OpenFile f) throws IOException {
    if (stagedTotal.get() > stagingBudget || f.foldFailed()) {
      fold(f, false); // staging is full, or a background fold failed: the writer stores (and hears why)
    } else if (f.stagedBytes() >= OpenFile.FOLD_BYTES) {
      f.foldInBackground(inodeCommit(f), folder, OpenFile.FOLD_BYTES); // the writer goes on while this piece is stored
    }
  }

  /** The inode behind a handle, with its current size. */
  public Stat stat(long fh) throws IOException {
    OpenFile f = handle(fh);
    return Stat.of(withOpenState(inode(f.ino())));
  }

  /** Changes the size of the file behind a handle. */
  public void truncate(long fh, long size) throws IOException {
    handle(fh).truncate(size);
  }

  /** Changes the size of the file at {@code path}. */
  public void truncate(String path, long size) throws IOException {
    truncateThrough(open(path), size);
  }

  /** Changes the size of the file numbered {@code ino}. */
  public void truncateInode(long ino, long size) throws IOException {
    truncateThrough(open(ino), size);
  }

  private void truncateThrough(long fh, long size) throws IOException {
    try {
      truncate(fh, size);
    } finally {
      release(fh);
    }
  }

  /**
   * Copies {@code len} bytes at {@code offIn} of one open file to {@code offOut} of another by
   * sharing the blocks (copy_file_range): nothing is read, hashed or stored, the new extents name
   * the source's blocks. Only into the end of the destination (at or past its size), which is
   * what {@code cp} asks for; anything else returns -1 and the caller copies the bytes.
   *
   * @return how many bytes were copied (fewer at the source's end), or -1 if this copy cannot share blocks
   */
  public long cloneRange(long fhIn, long offIn, long fhOut, long offOut, long len) throws IOException {
    OpenFile src = handle(fhIn);
    OpenFile dst = handle(fhOut);
    if (src == dst || offIn < 0 || offOut < 0 || len < 0) {
      return -1;
    }
    commitPending();
    fold(src, false);
    fold(dst, false);
    synchronized (dst) { // lock order: the file, then the tree
      synchronized (treeLock) {
        if (src.isDirty() || dst.isDirty()) {
          return -1; // written to since the folds: copy the bytes instead
        }
        InodeRecord in = inode(src.ino());
        InodeRecord out = inode(dst.ino());
        if (offOut < out.size()) {
          return -1;
        }
        long n = Math.min(len, in.size() - offIn);
        if (n <= 0) {
          return 0;
        }
        long now = now();
        long newSize = Math.max(out.size(), offOut + n);
        try (Batch b = index.batch()) {
          for (Extent e : index.extents(src.ino(), offIn, offIn + n)) {
            long from = Math.max(offIn, e.fileOffset());
            long to = Math.min(offIn + n, e.end());
            if (from < to) {
              b.putExtent(dst.ino(), new Extent(offOut + (from - offIn), e.block(),
                  e.blockOffset() + (int) (from - e.fileOffset()), (int) (to - from)));
              b.addRef(e.block(), 1);
            }
          }
          b.putInode(new InodeRecord(out.ino(), out.mode(), out.nlink(), out.uid(), out.gid(), newSize,
              out.atimeNanos(), now, now, out.rdev(), null));
          if (out.nlink() > 0) {
            b.addCounter(Counter.LOGICAL_BYTES, newSize - out.size());
          }
          blocks.commit(b, false);
        }
        allocated.invalidate(out.ino()); // it shares more blocks now: st_blocks grows
        dst.grew(newSize, now);
        return n;
      }
    }
  }

  /**
   * Folds the handle's staged writes into blocks (close of a file descriptor): before it returns,
   * or, after {@link #foldAfterClose}, on a fold thread that starts at once.
   */
  public void flush(long fh) throws IOException {
    OpenFile f = handle(fh);
    if (foldsAfterClose(f)) {
      f.foldInBackground(inodeCommit(f), closeFolder, 0);
    } else {
      fold(f, false);
    }
  }

  /**
   * Lets a close return before its writes are stored, as a mount does: the closing process goes
   * on while a fold thread (on the other core) stores them, and they are safe against a crash of
   * the mount process a moment later instead of when the close returns. A close still stores the
   * writes itself, and reports what fails, when {@code disk} (where the blocks go) has less room
   * than twice the bytes staged in all open files (the folds still running included) plus
   * {@link #CLOSE_ROOM}, when staging is full, and when a fold of the file has failed before.
   */
  public void foldAfterClose(java.nio.file.FileStore disk) {
    foldAfterCloseOn = disk;
  }

  /**
   * Waits for the folds running in the background, those closes left and those of big files'
   * pieces, so that what the index says next counts every file closed before this call.
   */
  public void awaitFolds() throws IOException {
    for (OpenFile f : openFilesNow()) {
      f.awaitIdle();
    }
  }

  /** The files open now, to work through without the tree's lock. */
  private List<OpenFile> openFilesNow() {
    synchronized (treeLock) {
      return new ArrayList<>(openFiles.values());
    }
  }

  private boolean foldsAfterClose(OpenFile f) throws IOException {
    java.nio.file.FileStore disk = foldAfterCloseOn;
    long staged = stagedTotal.get(); // this file's and every fold's still to commit
    return disk != null && f.isDirty() && !f.unlinked && !f.foldFailed() && staged <= stagingBudget
        && disk.getUsableSpace() >= 2 * staged + CLOSE_ROOM;
  }

  /** Folds and makes the file's content and metadata durable. */
  public void fsync(long fh) throws IOException {
    fold(handle(fh), true);
  }

  /** Closes a handle; the last handle of an unlinked file frees it. */
  public void release(long fh) throws IOException {
    OpenFile f = handles.remove(fh);
    if (f == null) {
      return;
    }
    Exception failure = null;
    try {
      foldUnlessUnlinked(f);
    } catch (IOException | RuntimeException e) {
      failure = e; // the handle goes all the same: the kernel forgets it whatever this answers
    }
    synchronized (treeLock) {
      if (--f.handles == 0) {
        if (f.unlinked) {
          openFiles.remove(f.ino());
          f.discardStaged();
          try (Batch b = index.batch()) {
            index.inode(f.ino()).ifPresent(n -> free(b, n, false));
            b.deleteOrphan(f.ino());
            blocks.commit(b, false);
          }
        } else if (failure == null) {
          openFiles.remove(f.ino());
        }
        // else the file stays open with its staged writes: the next open or unmount folds them again
      }
    }
    rethrow(failure);
  }

  /**
   * Folds the file's staged writes; for an unlinked file, which its last release frees, only
   * waits for a fold a close left running. Not under the tree's lock: a background fold commits
   * under it.
   */
  private void foldUnlessUnlinked(OpenFile f) throws IOException {
    if (!f.unlinked) {
      fold(f, false);
    } else {
      f.awaitIdle();
    }
  }

  /** Throws {@code failure} (an IOException or an unchecked one) if there is one. */
  private static void rethrow(Exception failure) throws IOException {
    if (failure instanceof IOException io) {
      throw io;
    }
    if (failure != null) {
      throw (RuntimeException) failure;
    }
  }

  private void fold(OpenFile f, boolean sync) throws IOException {
    f.fold(sync, inodeCommit(f));
    commitDeferred(f, sync);
  }

  /**
   * Commits the deferred attributes of every open file a second from now (unless a commit is due
   * already), so that none waits longer for a close than ext4's journal waits to commit. The
   * caller holds the tree's lock.
   */
  private void commitDeferredSoon() {
    if (deferredCommitDue) {
      return;
    }
    deferredCommitDue = true;
    deferredCommits.schedule(this::commitAllDeferred, deferredCommitDelayMillis, java.util.concurrent.TimeUnit.MILLISECONDS);
  }

  private void commitAllDeferred() {
    List<OpenFile> files;
    synchronized (treeLock) {
      deferredCommitDue = false;
      files = new ArrayList<>(openFiles.values());
    }
    for (OpenFile f : files) {
      try {
        commitDeferred(f, false);
      } catch (IOException | RuntimeException e) {
        // kept: the file's next change schedules another try, and its next fold commits them
        log.warn("storing the attributes of inode {} failed; its next change or close tries again: {}", f.ino(),
            e.toString());
      }
    }
  }

  /**
   * Stops the timer of deferred attributes (waiting for a run in progress) and commits what is
   * still deferred: for the store's close, before the index goes.
   */
  public void stopDeferredCommits() throws IOException {
    deferredCommits.shutdownNow();
    try {
      deferredCommits.awaitTermination(1, java.util.concurrent.TimeUnit.MINUTES);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    commitAllDeferred();
  }

  /** How long a deferred attribute change waits at most (tests make it longer). */
  void deferredCommitDelay(long millis) {
    deferredCommitDelayMillis = millis;
  }

  /**
   * Commits attributes still deferred after a fold: set just as the fold that would have carried
   * them committed, or while another writer keeps the file dirty. Every close, fsync and unmount
   * folds, so none outlives the file's last handle.
   */
  private void commitDeferred(OpenFile f, boolean sync) throws IOException {
    if (f.deferred == null) {
      return;
    }
    synchronized (treeLock) {
      OpenFile.Deferred d = f.deferred;
      if (d == null) {
        return;
      }
      Optional<InodeRecord> cur = index.inode(f.ino());
      if (cur.isPresent()) {
        try (Batch b = index.batch()) {
          b.putInode(d.applyTo(cur.get(), f.isDirty() ? cur.get().mtimeNanos() : f.mtimeNanos()));
          blocks.commit(b, sync);
        }
      }
      f.deferred = null;
    }
  }

  /**
   * Makes {@code [offset, offset + length)} of the file behind a handle read as zeros and cost
   * nothing: the blocks there are dropped (fallocate's punch hole). The size does not change.
   */
  public void punchHole(long fh, long offset, long length) throws IOException {
    checkRange(offset, length);
    OpenFile f = handle(fh);
    f.punchHole(offset, offset + length, inodeCommit(f));
  }

  /**
   * Preallocates {@code [offset, offset + length)} of the file behind a handle (fallocate without
   * flags): there is nothing to reserve, since unwritten bytes are holes that cost nothing, so
   * this only grows the file to {@code offset + length} unless {@code keepSize}.
   */
  public void allocate(long fh, long offset, long length, boolean keepSize) throws IOException {
    checkRange(offset, length);
    OpenFile f = handle(fh);
    if (!keepSize && offset + length > f.size()) {
      f.truncate(offset + length);
    }
  }

  private static void checkRange(long offset, long length) throws InvalidOperationException {
    if (offset < 0 || length <= 0 || offset + length < 0) {
      throw new InvalidOperationException("offset " + offset, "length " + length, "not a valid range of a file");
    }
  }

  /**
   * The bytes of a file that are stored in blocks rather than holes, for {@code st_blocks}: tools
   * such as {@code cp} and {@code tar} keep a file sparse only when this is below its size. A
   * file with writes not folded yet counts as fully allocated.
   */
  public long allocatedBytes(Stat n) {
    if (!n.isRegularFile() || n.size() == 0) {
      return 0;
    }
    OpenFile f;
    synchronized (treeLock) {
      f = openFiles.get(n.ino());
    }
    if (f != null && f.isDirty()) {
      return n.size();
    }
    return allocated.get(n.ino(), ino -> {
      long[] sum = {0};
      index.forEachExtent(ino, e -> sum[0] += e.length());
      return sum[0];
    });
  }

  private OpenFile.InodeCommit inodeCommit(OpenFile f) {
    return (b, newSize, oldSize, storedDelta, doSync, committed) -> {
      blocks.writeFramesFor(b); // compressing under the tree's lock would hold up every other request
      synchronized (treeLock) {
        allocated.invalidate(f.ino());
        Optional<InodeRecord> cur = index.inode(f.ino());
        if (cur.isEmpty()) {
          committed.run();
          return;
        }
        // read here: a utimens sets it under the tree's lock, a write under the file's (held)
        long mtime = f.mtimeNanos();
        OpenFile.Deferred d = f.deferred;
        InodeRecord n = d == null ? cur.get() : d.applyTo(cur.get(), mtime);
        // ctime is the last write's time (what stat showed meanwhile) unless an attribute changed since:
        // a fold itself changes nothing a caller can see, so a kernel's cached attributes stay right.
        b.putInode(new InodeRecord(n.ino(), n.mode(), n.nlink(), n.uid(), n.gid(), newSize, n.atimeNanos(), mtime,
            Math.max(n.ctimeNanos(), mtime), n.rdev(), null));
        if (n.nlink() > 0) {
          b.addCounter(Counter.LOGICAL_BYTES, newSize - oldSize);
          b.addCounter(Counter.HOLE_BYTES, newSize - oldSize - storedDelta);
        }
        blocks.commit(b, doSync);
        f.deferred = null; // committed with the writes
        committed.run();
        if (oldSize == 0) {
          // a file that was empty has exactly the extents this fold added: a listing of a tree
          // just written (readdirplus) then needs no extent scan per file
          allocated.put(f.ino(), storedDelta);
        } else {
          allocated.invalidate(f.ino()); // a read since the start of this commit may have seen the old extents
        }
      }
    };
  }

  /**
   * Folds every open file and makes everything durable: for unmount and sync. A file whose fold
   * fails (a full disk) does not keep the others' writes from being stored: the first failure is
   * thrown once every file had its try.
   */
  public void flushAll() throws IOException {
    commitPending();
    Exception first = null;
    for (OpenFile f : openFilesNow()) {
      try {
        foldUnlessUnlinked(f); // so no fold a close left runs after the store closes
      } catch (IOException | RuntimeException e) { // RocksDB's failures (a full disk) are unchecked
        log.error("storing the staged writes of inode {} failed: {}", f.ino(), e.toString());
        if (first == null) {
          first = e;
        }
      }
    }
    try (Batch b = index.batch()) {
      blocks.commit(b, true);
    }
    rethrow(first);
  }

  /** Adds a hard link {@code newPath} to the file at {@code existing}. */
  public Stat link(String existing, String newPath) throws IOException {
    commitPending();
    List<String> names = Paths.split(newPath);
    synchronized (treeLock) {
      InodeRecord target = resolve(Paths.split(existing));
      return Stat.of(link(target.ino(), parentDir(names, newPath).ino(), Paths.last(names), existing, newPath));
    }
  }

  /** Adds the hard link {@code name} in the directory {@code parent} to the file numbered {@code ino}. */
  public Stat link(long ino, long parent, String name) throws IOException {
    commitPending();
    checkName(name);
    return Stat.of(link(ino, parent, name, "inode " + ino, name));
  }

  private InodeRecord link(long ino, long parentIno, String name, String existing, String newPath)
      throws IOException {
    synchronized (treeLock) {
      InodeRecord target = inode(ino);
      if (target.isDirectory()) {
        throw new NotPermittedException(existing, "hard links to directories are not allowed");
      }
      InodeRecord parent = directory(parentIno);
      if (index.lookup(parent.ino(), name).isPresent()) {
        throw new FileAlreadyExistsException(newPath);
      }
      long now = now();
      InodeRecord linked = target.withNlink(target.nlink() + 1, now);
      try (Batch b = index.batch()) {
        b.putInode(linked);
        b.putDirEntry(parent.ino(), new DirEntry(name, target.ino(), target.mode()));
        b.putInode(touched(parent, parent.nlink(), now));
        blocks.commit(b, false);
      }
      return withOpenState(linked);
    }
  }

  // ---- extended attributes

  /**
   * Sets an extended attribute.
   *
   * @param mustCreate fail if it exists (XATTR_CREATE)
   * @param mustReplace fail if it does not exist (XATTR_REPLACE)
   */
  public void setXattr(String path, String name, byte[] value, boolean mustCreate, boolean mustReplace)
      throws IOException {
    commitPending();
    synchronized (treeLock) {
      setXattr(resolve(Paths.split(path)).ino(), name, value, mustCreate, mustReplace);
    }
  }

  /** Sets an extended attribute of the inode {@code ino}, as {@link #setXattr(String, String, byte[], boolean, boolean)}. */
  public void setXattr(long ino, String name, byte[] value, boolean mustCreate, boolean mustReplace)
      throws IOException {
    commitPending();
    synchronized (treeLock) {
      InodeRecord n = inode(ino);
      boolean exists = index.xattr(n.ino(), name).isPresent();
      if (mustCreate && exists) {
        throw new FileAlreadyExistsException("inode " + ino, null, "attribute " + name + " exists");
      }
      if (mustReplace && !exists) {
        throw new NoSuchAttributeException("inode " + ino, name);
      }
      try (Batch b = index.batch()) {
        b.putXattr(n.ino(), name, value);
        b.putInode(touched(n, n.nlink(), n.mtimeNanos(), now()));
        blocks.commit(b, false);
      }
    }
  }

  /** An extended attribute's value. */
  public byte[] getXattr(String path, String name) throws IOException {
    InodeRecord n = resolve(Paths.split(path));
    return index.xattr(n.ino(), name).orElseThrow(() -> new NoSuchAttributeException(path, name));
  }

  /** An extended attribute's value of the inode {@code ino}. */
  public byte[] getXattr(long ino, String name) throws IOException {
    return findXattr(ino, name).orElseThrow(() -> new NoSuchAttributeException("inode " + ino, name));
  }

  /**
   * An extended attribute's value of the inode {@code ino}, or empty if it has none of that name:
   * the kernel asks for {@code security.capability} before most writes and chowns, and nearly
   * always gets "no such attribute", which this answers without an exception.
   */
  public Optional<byte[]> findXattr(long ino, String name) throws IOException {
    return index.xattr(inode(ino).ino(), name);
  }

  /** The names of the extended attributes of {@code path}. */
  public List<String> listXattrs(String path) throws IOException {
    return index.xattrNames(resolve(Paths.split(path)).ino());
  }

  /** The names of the extended attributes of the inode {@code ino}. */
  public List<String> listXattrs(long ino) throws IOException {
    return index.xattrNames(inode(ino).ino());
  }

  /** Removes an extended attribute. */
  public void removeXattr(String path, String name) throws IOException {
    commitPending();
    synchronized (treeLock) {
      removeXattr(resolve(Paths.split(path)).ino(), name);
    }
  }

  /** Removes an extended attribute of the inode {@code ino}. */
  public void removeXattr(long ino, String name) throws IOException {
    commitPending();
    synchronized (treeLock) {
      InodeRecord n = inode(ino);
      if (index.xattr(n.ino(), name).isEmpty()) {
        throw new NoSuchAttributeException("inode " + ino, name);
      }
      try (Batch b = index.batch()) {
        b.deleteXattr(n.ino(), name);
        b.putInode(touched(n, n.nlink(), n.mtimeNanos(), now()));
        blocks.commit(b, false);
      }
    }
  }

  // ---- helpers

  /** Drops one link of {@code node}; frees it with its extents when it was the last. */
  private void unlink(Batch b, InodeRecord node, List<OpenFile> orphaned) {
    OpenFile open = openFiles.get(node.ino());
    if (node.nlink() > 1) {
      b.putInode(node.withNlink(node.nlink() - 1, now()));
    } else if (open != null) {
      // Still open: keep the content for its handles, free it at the last release (or, after a
      // crash, at the next open of the store). The caller marks it once the batch is committed.
      b.putInode(node.withNlink(0, now()));
      b.putOrphan(node.ino());
      b.addCounter(Counter.LOGICAL_BYTES, -node.size());
      b.addCounter(Counter.HOLE_BYTES, -holes(node));
      orphaned.add(open);
    } else {
      free(b, node, true);
    }
  }

  /** Marks open files unlinked by a batch that is now committed. */
  private static void markUnlinked(List<OpenFile> orphaned) {
    for (OpenFile f : orphaned) {
      f.unlinked = true;
    }
  }

  /** Deletes {@code node}, its extents (dropping their block references) and its xattrs. */
  private void free(Batch b, InodeRecord node, boolean counted) {
    allocated.invalidate(node.ino());
    long[] stored = {0};
    index.forEachExtent(node.ino(), e -> {
      b.deleteExtent(node.ino(), e.fileOffset());
      b.addRef(e.block(), -1);
      stored[0] += e.length();
    });
    b.deleteXattrsOf(node.ino(), index.xattrNames(node.ino()));
    b.deleteInode(node.ino());
    if (counted && node.isRegularFile()) {
      b.addCounter(Counter.LOGICAL_BYTES, -node.size());
      b.addCounter(Counter.HOLE_BYTES, -(node.size() - stored[0]));
    }
  }

  /** The bytes of a file (as committed) that are holes: its size less what its extents hold. */
  private long holes(InodeRecord node) {
    long[] stored = {0};
    index.forEachExtent(node.ino(), e -> stored[0] += e.length());
    return node.size() - stored[0];
  }

  private void freeQuietly(long ino) {
    synchronized (treeLock) {
      try (Batch b = index.batch()) {
        index.inode(ino).ifPresent(n -> free(b, n, false));
        b.deleteOrphan(ino);
        blocks.commit(b, false);
      } catch (IOException | RuntimeException e) {
        // left as an orphan: freed when the store is next opened
      }
    }
  }

  /** The directory numbered {@code ino}: a parent that names are looked up or changed in. */
  private InodeRecord directory(long ino) throws IOException {
    InodeRecord d = inode(ino);
    if (!d.isDirectory()) {
      throw new NotDirectoryException("inode " + ino);
    }
    return d;
  }

  private static void checkName(String name) throws IOException {
    if (name.getBytes(StandardCharsets.UTF_8).length > MAX_NAME_BYTES) {
      throw new NameTooLongException(name);
    }
    if (name.isEmpty() || name.equals(".") || name.equals("..") || name.indexOf('/') >= 0 || name.indexOf('\0') >= 0) {
      throw new IllegalArgumentException("'" + name + "' is not a valid file name");
    }
  }

  private void checkTarget(List<String> names, String path) throws IOException {
    InodeRecord parent = parentDir(names, path);
    Optional<DirEntry> existing = index.lookup(parent.ino(), Paths.last(names));
    if (existing.isPresent() && isDirectory(existing.get())) {
      throw new IsDirectoryException(path);
    }
  }

  private InodeRecord resolve(List<String> names) throws IOException {
    for (String n : names) {
      if (n.getBytes(StandardCharsets.UTF_8).length > MAX_NAME_BYTES) {
        throw new NameTooLongException(Paths.join(names));
      }
    }
    InodeRecord cur = inode(ROOT);
    for (int i = 0; i < names.size(); i++) {
      if (!cur.isDirectory()) {
        throw new NotDirectoryException(Paths.join(names.subList(0, i)));
      }
      long parentIno = cur.ino();
      String name = names.get(i);
      DirEntry e = index.lookup(parentIno, name)
          .orElseThrow(() -> new NoSuchFileException(Paths.join(names)));
      cur = inode(e.ino());
    }
    return cur;
  }

  private InodeRecord parentDir(List<String> names, String path) throws IOException {
    if (names.isEmpty()) {
      throw new InvalidOperationException("/", null, "the root directory has no parent");
    }
    for (String n : names) {
      if (n.getBytes(StandardCharsets.UTF_8).length > MAX_NAME_BYTES) {
        throw new NameTooLongException(path);
      }
    }
    InodeRecord parent = resolve(names.subList(0, names.size() - 1));
    if (!parent.isDirectory()) {
      throw new NotDirectoryException(Paths.join(names.subList(0, names.size() - 1)));
    }
    return parent;
  }

  private boolean isDirectory(DirEntry e) {
    return (e.mode() & InodeRecord.S_IFMT) == InodeRecord.S_IFDIR;
  }

  private InodeRecord newInode(long ino, int mode, int nlink, Attributes attrs, long size, long mtime, String target) {
    int uid = attrs.uid() == Attributes.KEEP ? Owner.uid() : attrs.uid();
    int gid = attrs.gid() == Attributes.KEEP ? Owner.gid() : attrs.gid();
    long m = attrs.mtimeNanos() == Attributes.NOW || attrs.mtimeNanos() == Attributes.KEEP ? mtime : attrs.mtimeNanos();
    return new InodeRecord(ino, mode, nlink, uid, gid, size, m, m, now(), 0, target);
  }

  private static InodeRecord touched(InodeRecord dir, int nlink, long now) {
    return touched(dir, nlink, now, now);
  }

  private static InodeRecord touched(InodeRecord n, int nlink, long mtime, long ctime) {
    return new InodeRecord(n.ino(), n.mode(), nlink, n.uid(), n.gid(), n.size(), n.atimeNanos(),
        mtime, ctime, n.rdev(), n.symlinkTarget());
  }

  private static int perms(Attributes attrs, int fallback) {
    return attrs.permissions() == Attributes.KEEP ? fallback : attrs.permissions() & 07777;
  }

  static long now() {
    java.time.Instant t = java.time.Instant.now();
    return t.getEpochSecond() * 1_000_000_000L + t.getNano();
  }

  static byte[] encodeLong(long v) {
    return java.nio.ByteBuffer.allocate(8).putLong(v).array();
  }

  static long decodeLong(byte[] b) {
    return java.nio.ByteBuffer.wrap(b).getLong();
  }

  /** All extents of the inode, for tools and tests. */
  public List<Extent> extents(long ino) {
    List<Extent> out = new ArrayList<>();
    index.forEachExtent(ino, out::add);
    return out;
  }
}
