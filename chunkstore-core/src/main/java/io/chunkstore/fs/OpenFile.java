package io.chunkstore.fs;

import io.chunkstore.index.Batch;
import io.chunkstore.index.Extent;
import io.chunkstore.index.Index;
import io.chunkstore.index.InodeRecord;
import io.chunkstore.store.BlockStore;
import io.chunkstore.store.ChunkPipeline;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The content of a regular file while it is open for writing: the committed extents, plus the
 * bytes written since in a bounded in-memory staging area, plus a pending truncation.
 *
 * <p>Reads see the current content (committed bytes, then staged writes over them). A
 * {@link #fold} turns the staged writes into blocks: it re-chunks only the regions they touch,
 * widened to the neighbouring block on each side so that content-defined boundaries line up with
 * the old ones again, and swaps the regions' extents in one index batch. Editing 4 KiB in the
 * middle of a large file therefore stores a few blocks, not the file.
 *
 * <p>A sequential writer does not wait for its blocks: once {@link #FOLD_BYTES} are staged,
 * {@link #foldInBackground} hands them to another thread as one fold and the writer stages the
 * next piece meanwhile, so the FUSE copy, chunking, hashing and compression overlap. One fold at
 * a time per file; the writer waits only when the next piece is full before the last fold is done.
 *
 * <p>Synchronized on itself: one writer or reader of this file at a time, other files go on. A
 * background fold holds the lock only to commit.
 */
final class OpenFile {
  private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(OpenFile.class);
  /** A file folds on its own once this much is staged, so sequential writes stream through. */
  static final long FOLD_BYTES = 16L << 20;

  private final long ino;
  private final Index index;
  private final BlockStore blocks;
  private final ChunkPipeline pipeline;
  private final AtomicLong stagedTotal;

  /** Staged writes: offset → bytes, never overlapping. */
  private TreeMap<Long, byte[]> staged = new TreeMap<>();
  private long stagedBytes;
  /** What a background fold is storing (read under {@link #staged}), or null. */
  private Snapshot folding;
  /** The last background fold failed: its writes are staged again, the next fold is the writer's. */
  private volatile boolean foldFailed;
  /** The file's size now; volatile so the tree can read it without this file's lock. */
  private volatile long size;
  /** The size the index has. */
  private long committedSize;
  /** Committed bytes at or after this offset were truncated away since the last fold. */
  private long cutAt;
  private volatile long mtimeNanos;
  private volatile boolean changed;
  int handles;
  boolean unlinked;
  /**
   * Attributes set while the file had writes the index does not have yet: the fold that stores
   * those writes commits them with the new size, so that {@code tar}'s utimens, chown and chmod of
   * each file cost no index write of their own. Null if there are none. Written under the tree's
   * lock; volatile so that a fold can see without the lock that there are none.
   */
  volatile Deferred deferred;

  /** Permissions, owner and access and change times that the index does not have yet. */
  record Deferred(int mode, int uid, int gid, long atimeNanos, long ctimeNanos) {
    static Deferred of(InodeRecord n) {
      return new Deferred(n.mode(), n.uid(), n.gid(), n.atimeNanos(), n.ctimeNanos());
    }

    /** {@code n} with these attributes, the modification time {@code mtime} and the later change time. */
    InodeRecord applyTo(InodeRecord n, long mtime) {
      return new InodeRecord(n.ino(), mode, n.nlink(), uid, gid, n.size(), atimeNanos, mtime,
          Math.max(Math.max(n.ctimeNanos(), ctimeNanos), mtime), n.rdev(), n.symlinkTarget());
    }
  }

  OpenFile(long ino, long committedSize, long mtimeNanos, Index index, BlockStore blocks, ChunkPipeline pipeline,
      AtomicLong stagedTotal) {
    this.ino = ino;
    this.size = committedSize;
    this.committedSize = committedSize;
    this.cutAt = committedSize;
    this.mtimeNanos = mtimeNanos;
    this.index = index;
    this.blocks = blocks;
    this.pipeline = pipeline;
    this.stagedTotal = stagedTotal;
  }

  long ino() {
    return ino;
  }

  // The tree reads these while holding its own lock, so they must not take this file's lock:
  // a fold holds this lock and then takes the tree's (lock order: file, then tree).

  long size() {
    return size;
  }

  long mtimeNanos() {
    return mtimeNanos;
  }

  /** An explicit modification time (utimens on a file with unfolded writes): the fold keeps it. */
  void setMtime(long nanos) {
    mtimeNanos = nanos;
  }

  /** True if there are writes or a size change that the index does not have yet. */
  boolean isDirty() {
    return changed;
  }

  /** The index has grown this file to {@code newSize} (extents shared by a clone): no staged writes. */
  synchronized void grew(long newSize, long mtime) {
    // only after a fold, with this lock held since: no background fold runs
    size = newSize;
    committedSize = newSize;
    cutAt = newSize;
    mtimeNanos = mtime;
  }

  /** Drops the staged writes of a file that no name will ever show again. */
  synchronized void discardStaged() {
    addStaged(-stagedBytes);
    staged.clear();
    changed = false;
  }

  /** Bytes staged since the last fold started (not those a background fold is storing). */
  synchronized long stagedBytes() {
    return stagedBytes - (folding == null ? 0 : folding.bytes);
  }

  /** True if the last background fold failed, so that the writer should fold and hear why. */
  boolean foldFailed() {
    return foldFailed;
  }

  /** Stages {@code len} bytes of {@code src} at {@code offset}. */
  void write(long offset, byte[] src, int srcOff, int len) {
    if (len > 0) {
      stage(offset, Arrays.copyOfRange(src, srcOff, srcOff + len));
    }
  }

  /** Stages the remaining bytes of {@code src} at {@code offset}: one copy, straight from the buffer. */
  void write(long offset, java.nio.ByteBuffer src) {
    if (src.hasRemaining()) {
      byte[] copy = new byte[src.remaining()];
      src.get(copy);
      stage(offset, copy);
    }
  }

  /** Stages {@code bytes}, which the file keeps, at {@code offset}. */
  private synchronized void stage(long offset, byte[] bytes) {
    int len = bytes.length;
    long end = offset + len;
    removeStaged(offset, end);
    staged.put(offset, bytes);
    addStaged(len);
    size = Math.max(size, end);
    mtimeNanos = FileTree.now();
    changed = true;
  }

  /** Changes the size: bytes past it are dropped; growing adds a hole. */
  synchronized void truncate(long newSize) throws IOException {
    awaitFold(); // a fold in flight stores the bytes past the new size: let it end first
    if (newSize < size) {
      removeStaged(newSize, Long.MAX_VALUE);
      cutAt = Math.min(cutAt, newSize);
    }
    size = newSize;
    mtimeNanos = FileTree.now();
    changed = true;
  }

  /**
   * Reads up to {@code len} bytes at {@code pos} of the current content.
   *
   * @return the number of bytes read, 0 at or past the end
   */
  synchronized int read(long pos, byte[] dst, int dstOff, int len) throws IOException {
    int n = (int) Math.max(0, Math.min(len, size - pos));
    if (n == 0) {
      return 0;
    }
    readBase(pos, dst, dstOff, n, Math.min(committedSize, cutAt));
    if (folding != null) {
      overlay(folding.writes, pos, dst, dstOff, n);
    }
    overlay(staged, pos, dst, dstOff, n);
    return n;
  }

  /** Reads {@code [pos, pos + n)} of the committed content up to {@code baseEnd}, zeros elsewhere. */
  private void readBase(long pos, byte[] dst, int dstOff, int n, long baseEnd) throws IOException {
    Arrays.fill(dst, dstOff, dstOff + n, (byte) 0);
    long end = pos + n;
    for (Extent e : baseExtents(pos, end, baseEnd)) {
      long from = Math.max(pos, e.fileOffset());
      long to = Math.min(end, e.end());
      blocks.read(e.block(), e.blockOffset() + (int) (from - e.fileOffset()), dst, dstOff + (int) (from - pos),
          (int) (to - from));
    }
  }

  /** True if the writes of {@code layer} cover {@code [pos, pos + n)} without a gap. */
  private static boolean covers(TreeMap<Long, byte[]> layer, long pos, int n) {
    long end = pos + n;
    long at = pos;
    Map.Entry<Long, byte[]> e = layer.floorEntry(pos);
    while (e != null && e.getKey() <= at && at < end) {
      at = Math.max(at, e.getKey() + e.getValue().length);
      e = layer.higherEntry(e.getKey());
    }
    return at >= end;
  }

  /** Copies the writes of {@code layer} that fall in {@code [pos, pos + n)} over {@code dst}. */
  private static void overlay(TreeMap<Long, byte[]> layer, long pos, byte[] dst, int dstOff, int n) {
    long end = pos + n;
    Map.Entry<Long, byte[]> first = layer.floorEntry(pos);
    Long startKey = first != null && first.getKey() + first.getValue().length > pos ? first.getKey() : pos;
    for (Map.Entry<Long, byte[]> s : layer.subMap(startKey, true, end, false).entrySet()) {
      long from = Math.max(pos, s.getKey());
      long to = Math.min(end, s.getKey() + s.getValue().length);
      if (from < to) {
        System.arraycopy(s.getValue(), (int) (from - s.getKey()), dst, dstOff + (int) (from - pos), (int) (to - from));
      }
    }
  }

  /**
   * Turns staged writes and truncation into blocks and extents, and commits them with the file's
   * new size in one batch; with {@code sync}, durably. Waits for a background fold first.
   *
   * @param commitInode adds the inode's new size and times to the batch and commits it; called
   *     under the tree's lock so that attribute changes are not lost
   */
  synchronized void fold(boolean sync, InodeCommit commitInode) throws IOException {
    awaitFold();
    if (!changed) {
      if (sync) {
        try (Batch b = index.batch()) {
          blocks.commit(b, true);
        }
      }
      return;
    }
    Snapshot s = takeSnapshot();
    try {
      store(s, sync, commitInode);
    } catch (IOException | RuntimeException | Error e) {
      blocks.abandonHits();
      restage(s);
      throw e;
    }
  }

  /**
   * Folds what is staged on {@code executor} and returns at once, after waiting for this file's
   * previous background fold if it is still running (backpressure: one piece folds while the next
   * is staged). A failure stages the writes again and makes {@link #foldFailed()} true.
   *
   * @param minimum fold only if at least this many bytes are staged; 0 folds whatever changed
   *     (a close's fold)
   */
  void foldInBackground(InodeCommit commitInode, java.util.concurrent.Executor executor, long minimum)
      throws IOException {
    Snapshot s;
    synchronized (this) {
      awaitFold();
      if (minimum > 0 ? stagedBytes < minimum : !changed) {
        return; // another writer of this file folded it meanwhile, or nothing changed
      }
      s = takeSnapshot();
      folding = s;
    }
    try {
      executor.execute(() -> {
        try {
          store(s, false, commitInode);
        } catch (IOException | RuntimeException | Error e) {
          blocks.abandonHits();
          log.warn("storing writes of inode {} failed; they stay staged and the file's next write, fsync or close tries again: {}", ino,
              e.toString());
          synchronized (this) {
            restage(s);
            foldFailed = true;
          }
        } finally {
          synchronized (this) {
            folding = null;
            notifyAll();
          }
        }
      });
    } catch (java.util.concurrent.RejectedExecutionException e) {
      synchronized (this) {
        restage(s);
        folding = null;
        notifyAll();
      }
      throw new IOException("the store is closing", e);
    }
  }

  /** Waits until no background fold of this file runs. */
  synchronized void awaitIdle() throws IOException {
    awaitFold();
  }

  /** Waits until no background fold of this file runs; the caller holds this lock. */
  private void awaitFold() throws IOException {
    while (folding != null) {
      try {
        wait();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new java.io.InterruptedIOException("interrupted while waiting for a fold of inode " + ino);
      }
    }
  }

  /** What one fold stores: the staged writes taken from the file and the sizes they apply to. */
  private record Snapshot(TreeMap<Long, byte[]> writes, long bytes, long size, long committedSize, long baseEnd) {}

  /** Takes the staged writes for a fold; new writes stage afresh. The caller holds this lock. */
  private Snapshot takeSnapshot() {
    Snapshot s = new Snapshot(staged, stagedBytes, size, committedSize, Math.min(committedSize, cutAt));
    staged = new TreeMap<>();
    stagedBytes = s.bytes; // still counted (and in the staging budget) until they are stored
    return s;
  }

  /** A fold failed: its writes are staged again, under any written since. The caller holds this lock. */
  private void restage(Snapshot s) {
    TreeMap<Long, byte[]> newer = staged;
    long newerBytes = stagedBytes - s.bytes;
    staged = s.writes;
    addStaged(-newerBytes); // counted again below as they are staged over the old ones
    for (Map.Entry<Long, byte[]> e : newer.entrySet()) {
      removeStaged(e.getKey(), e.getKey() + e.getValue().length);
      staged.put(e.getKey(), e.getValue());
      addStaged(e.getValue().length);
    }
  }

  /**
   * Stores a snapshot: re-chunks the regions its writes touch over the committed content and
   * commits the new extents with the size. Reads only the snapshot and the committed extents, which
   * nothing else changes while a fold runs (truncation, hole punching and clones wait for it), so
   * a background fold runs without this file's lock until it commits.
   */
  private void store(Snapshot s, boolean sync, InodeCommit commitInode) throws IOException {
    try (Batch b = index.batch()) {
      long[] stored = {0}; // change in the bytes held in extents (the rest of the size is holes)
      if (s.baseEnd < s.committedSize) {
        for (Extent e : index.extents(ino, s.baseEnd, s.committedSize)) {
          if (e.fileOffset() >= s.baseEnd) {
            b.deleteExtent(ino, e.fileOffset());
            b.addRef(e.block(), -1);
            stored[0] -= e.length();
          } else {
            b.putExtent(ino, new Extent(e.fileOffset(), e.block(), e.blockOffset(), (int) (s.baseEnd - e.fileOffset())));
            stored[0] -= e.end() - s.baseEnd;
          }
        }
      }
      for (long[] region : regions(s)) {
        for (Extent old : baseExtents(region[0], region[1], s.baseEnd)) {
          b.deleteExtent(ino, old.fileOffset());
          b.addRef(old.block(), -1);
          stored[0] -= old.length();
        }
        pipeline.write(new SnapshotStream(s, region[0], region[1]), region[0], e -> {
          b.putExtent(ino, e);
          b.addRef(e.block(), 1);
          stored[0] += e.length();
        });
      }
      synchronized (this) {
        // the file's new state is set under the tree's lock with the commit, so that a setattr
        // never sees it dirty after the commit that would have carried its attributes
        commitInode.commit(b, s.size, s.committedSize, stored[0], sync, () -> {
          addStaged(-s.bytes);
          committedSize = s.size;
          cutAt = s.size;
          changed = !staged.isEmpty() || size != s.size;
          foldFailed = false;
        });
      }
    }
  }

  /**
   * Turns {@code [from, to)} into a hole: folds the staged writes first, then drops or trims the
   * committed extents in the range, in one batch with the new modification time. The size stays.
   */
  synchronized void punchHole(long from, long to, InodeCommit commitInode) throws IOException {
    fold(false, commitInode);
    long end = Math.min(to, size);
    if (from >= end) {
      return;
    }
    try (Batch b = index.batch()) {
      long stored = 0;
      for (Extent e : index.extents(ino, from, end)) {
        stored -= Math.min(e.end(), end) - Math.max(e.fileOffset(), from);
        boolean keepHead = e.fileOffset() < from;
        boolean keepTail = e.end() > end;
        if (keepHead) {
          b.putExtent(ino, new Extent(e.fileOffset(), e.block(), e.blockOffset(), (int) (from - e.fileOffset())));
        } else {
          b.deleteExtent(ino, e.fileOffset());
        }
        if (keepTail) {
          b.putExtent(ino, new Extent(end, e.block(), e.blockOffset() + (int) (end - e.fileOffset()), (int) (e.end() - end)));
        }
        // Each piece kept names the block once: the reference count follows the pieces.
        int refs = (keepHead ? 1 : 0) + (keepTail ? 1 : 0) - 1;
        if (refs != 0) {
          b.addRef(e.block(), refs);
        }
      }
      mtimeNanos = FileTree.now();
      commitInode.commit(b, size, committedSize, stored, false, () -> {});
    }
  }

  /**
   * Adds the inode change (the new size, the file's modification time and any deferred
   * attributes) to a batch and commits it; then runs {@code committed}, still under the tree's
   * lock. Called with this file's lock held.
   */
  @FunctionalInterface
  interface InodeCommit {
    /** {@code storedDelta}: how many more bytes of the file are in extents, not holes. */
    void commit(Batch batch, long newSize, long oldSize, long storedDelta, boolean sync, Runnable committed)
        throws IOException;
  }

  /**
   * The regions to re-chunk: each staged write widened to the start of the committed extent just
   * before it and the end of the one just after it, merged where they meet.
   */
  private List<long[]> regions(Snapshot snap) {
    List<long[]> out = new ArrayList<>();
    for (Map.Entry<Long, byte[]> s : snap.writes.entrySet()) {
      long rs = s.getKey();
      long re = rs + s.getValue().length;
      if (rs > 0) {
        List<Extent> before = baseExtents(rs - 1, rs, snap.baseEnd);
        if (!before.isEmpty()) {
          rs = Math.min(rs, before.get(0).fileOffset());
        }
      }
      List<Extent> after = baseExtents(re, re + 1, snap.baseEnd);
      if (!after.isEmpty()) {
        re = Math.max(re, after.get(0).end());
      }
      re = Math.min(re, snap.size);
      if (!out.isEmpty() && rs <= out.get(out.size() - 1)[1]) {
        long[] last = out.get(out.size() - 1);
        last[1] = Math.max(last[1], re);
      } else if (rs < re) {
        out.add(new long[] {rs, re});
      }
    }
    return out;
  }

  /** Committed extents overlapping {@code [from, to)}, as far as truncation left them ({@code baseEnd}). */
  private List<Extent> baseExtents(long from, long to, long baseEnd) {
    if (from >= baseEnd) {
      return List.of();
    }
    List<Extent> es = index.extents(ino, from, Math.min(to, baseEnd));
    if (!es.isEmpty()) {
      Extent last = es.get(es.size() - 1);
      if (last.end() > baseEnd) {
        es.set(es.size() - 1, new Extent(last.fileOffset(), last.block(), last.blockOffset(),
            (int) (baseEnd - last.fileOffset())));
      }
    }
    return es;
  }

  private void removeStaged(long from, long to) {
    Map.Entry<Long, byte[]> floor = staged.floorEntry(from);
    if (floor != null && floor.getKey() < from && floor.getKey() + floor.getValue().length > from) {
      byte[] v = floor.getValue();
      long vEnd = floor.getKey() + v.length;
      staged.put(floor.getKey(), Arrays.copyOf(v, (int) (from - floor.getKey())));
      addStaged(-(vEnd - from));
      if (vEnd > to) {
        staged.put(to, Arrays.copyOfRange(v, (int) (to - floor.getKey()), v.length));
        addStaged(vEnd - to);
      }
    }
    Iterator<Map.Entry<Long, byte[]>> it = staged.subMap(from, true, to, false).entrySet().iterator();
    byte[] tail = null;
    long tailAt = 0;
    while (it.hasNext()) {
      Map.Entry<Long, byte[]> e = it.next();
      long eEnd = e.getKey() + e.getValue().length;
      addStaged(-e.getValue().length);
      if (eEnd > to) {
        tail = Arrays.copyOfRange(e.getValue(), (int) (to - e.getKey()), e.getValue().length);
        tailAt = to;
      }
      it.remove();
    }
    if (tail != null) {
      staged.put(tailAt, tail);
      addStaged(tail.length);
    }
  }

  private void addStaged(long delta) {
    stagedBytes += delta;
    stagedTotal.addAndGet(delta);
  }

  /** The content of {@code [from, to)} as a snapshot has it, as a stream for the chunk pipeline. */
  private final class SnapshotStream extends InputStream {
    private final Snapshot snap;
    private long pos;
    private final long end;

    SnapshotStream(Snapshot snap, long from, long to) {
      this.snap = snap;
      this.pos = from;
      this.end = to;
    }

    @Override
    public int read() throws IOException {
      byte[] one = new byte[1];
      return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      int n = (int) Math.min(len, end - pos);
      if (n <= 0) {
        return -1;
      }
      if (!covers(snap.writes, pos, n)) { // a sequential writer's staged bytes cover it all
        readBase(pos, b, off, n, snap.baseEnd);
      }
      overlay(snap.writes, pos, b, off, n);
      pos += n;
      return n;
    }
  }
}
