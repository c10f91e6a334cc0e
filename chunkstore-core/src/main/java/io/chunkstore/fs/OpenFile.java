package io.chunkstore.fs;

import io.chunkstore.index.Batch;
import io.chunkstore.index.Extent;
import io.chunkstore.index.Index;
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
 * <p>Synchronized on itself: one writer or reader of this file at a time, other files go on.
 */
final class OpenFile {
  /** A file folds on its own once this much is staged, so sequential writes stream through. */
  static final long FOLD_BYTES = 32L << 20;

  private final long ino;
  private final Index index;
  private final BlockStore blocks;
  private final ChunkPipeline pipeline;
  private final AtomicLong stagedTotal;

  /** Staged writes: offset → bytes, never overlapping. */
  private final TreeMap<Long, byte[]> staged = new TreeMap<>();
  private long stagedBytes;
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

  synchronized long stagedBytes() {
    return stagedBytes;
  }

  /** Stages {@code len} bytes of {@code src} at {@code offset}. */
  synchronized void write(long offset, byte[] src, int srcOff, int len) {
    if (len == 0) {
      return;
    }
    long end = offset + len;
    removeStaged(offset, end);
    staged.put(offset, Arrays.copyOfRange(src, srcOff, srcOff + len));
    addStaged(len);
    size = Math.max(size, end);
    mtimeNanos = FileTree.now();
    changed = true;
  }

  /** Changes the size: bytes past it are dropped; growing adds a hole. */
  synchronized void truncate(long newSize) {
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
    Arrays.fill(dst, dstOff, dstOff + n, (byte) 0);
    long end = pos + n;
    for (Extent e : baseExtents(pos, end)) {
      long from = Math.max(pos, e.fileOffset());
      long to = Math.min(end, e.end());
      blocks.read(e.block(), e.blockOffset() + (int) (from - e.fileOffset()), dst, dstOff + (int) (from - pos),
          (int) (to - from));
    }
    Map.Entry<Long, byte[]> first = staged.floorEntry(pos);
    Long startKey = first != null && first.getKey() + first.getValue().length > pos ? first.getKey() : pos;
    for (Map.Entry<Long, byte[]> s : staged.subMap(startKey, true, end, false).entrySet()) {
      long from = Math.max(pos, s.getKey());
      long to = Math.min(end, s.getKey() + s.getValue().length);
      if (from < to) {
        System.arraycopy(s.getValue(), (int) (from - s.getKey()), dst, dstOff + (int) (from - pos), (int) (to - from));
      }
    }
    return n;
  }

  /**
   * Turns staged writes and truncation into blocks and extents, and commits them with the file's
   * new size in one batch; with {@code sync}, durably.
   *
   * @param commitInode adds the inode's new size and times to the batch and commits it; called
   *     under the tree's lock so that attribute changes are not lost
   */
  synchronized void fold(boolean sync, InodeCommit commitInode) throws IOException {
    if (!changed) {
      if (sync) {
        try (Batch b = index.batch()) {
          blocks.commit(b, true);
        }
      }
      return;
    }
    try (Batch b = index.batch()) {
      long[] stored = {0}; // change in the bytes held in extents (the rest of the size is holes)
      long baseEnd = Math.min(committedSize, cutAt);
      if (baseEnd < committedSize) {
        for (Extent e : index.extents(ino, baseEnd, committedSize)) {
          if (e.fileOffset() >= baseEnd) {
            b.deleteExtent(ino, e.fileOffset());
            b.addRef(e.block(), -1);
            stored[0] -= e.length();
          } else {
            b.putExtent(ino, new Extent(e.fileOffset(), e.block(), e.blockOffset(), (int) (baseEnd - e.fileOffset())));
            stored[0] -= e.end() - baseEnd;
          }
        }
      }
      for (long[] region : regions()) {
        for (Extent old : baseExtents(region[0], region[1])) {
          b.deleteExtent(ino, old.fileOffset());
          b.addRef(old.block(), -1);
          stored[0] -= old.length();
        }
        pipeline.write(new RegionStream(region[0], region[1]), region[0], e -> {
          b.putExtent(ino, e);
          b.addRef(e.block(), 1);
          stored[0] += e.length();
        });
      }
      commitInode.commit(b, size, committedSize, stored[0], mtimeNanos, sync);
    }
    addStaged(-stagedBytes);
    staged.clear();
    committedSize = size;
    cutAt = size;
    changed = false;
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
      commitInode.commit(b, size, committedSize, stored, mtimeNanos, false);
    }
  }

  /** Adds the inode change to a batch and commits it. */
  @FunctionalInterface
  interface InodeCommit {
    /** {@code storedDelta}: how many more bytes of the file are in extents, not holes. */
    void commit(Batch batch, long newSize, long oldSize, long storedDelta, long mtimeNanos, boolean sync)
        throws IOException;
  }

  /**
   * The regions to re-chunk: each staged write widened to the start of the committed extent just
   * before it and the end of the one just after it, merged where they meet.
   */
  private List<long[]> regions() {
    List<long[]> out = new ArrayList<>();
    for (Map.Entry<Long, byte[]> s : staged.entrySet()) {
      long rs = s.getKey();
      long re = rs + s.getValue().length;
      if (rs > 0) {
        List<Extent> before = baseExtents(rs - 1, rs);
        if (!before.isEmpty()) {
          rs = Math.min(rs, before.get(0).fileOffset());
        }
      }
      List<Extent> after = baseExtents(re, re + 1);
      if (!after.isEmpty()) {
        re = Math.max(re, after.get(0).end());
      }
      re = Math.min(re, size);
      if (!out.isEmpty() && rs <= out.get(out.size() - 1)[1]) {
        long[] last = out.get(out.size() - 1);
        last[1] = Math.max(last[1], re);
      } else if (rs < re) {
        out.add(new long[] {rs, re});
      }
    }
    return out;
  }

  /** Committed extents overlapping {@code [from, to)}, as far as truncation left them. */
  private List<Extent> baseExtents(long from, long to) {
    long baseEnd = Math.min(committedSize, cutAt);
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

  /** The current content of {@code [from, to)} as a stream, for the chunk pipeline. */
  private final class RegionStream extends InputStream {
    private long pos;
    private final long end;

    RegionStream(long from, long to) {
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
      if (pos >= end) {
        return -1;
      }
      int n = OpenFile.this.read(pos, b, off, (int) Math.min(len, end - pos));
      pos += n;
      return n == 0 ? -1 : n;
    }
  }
}
