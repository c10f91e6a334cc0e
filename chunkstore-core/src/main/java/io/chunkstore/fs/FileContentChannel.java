package io.chunkstore.fs;

import io.chunkstore.index.Extent;
import io.chunkstore.index.Index;
import io.chunkstore.index.InodeRecord;
import io.chunkstore.store.BlockStore;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.NonWritableChannelException;
import java.nio.channels.SeekableByteChannel;
import java.util.List;

/**
 * Reads a regular file of the store at any position: looks up the extents around the position,
 * fetches their blocks through the block cache, and reads holes as zeros. Read-only, not
 * thread-safe (one per reader), and a snapshot of the file as it was when opened.
 */
final class FileContentChannel implements SeekableByteChannel {
  /** How far ahead extents are looked up at once. */
  private static final long WINDOW = 16L << 20;
  /** How many blocks ahead of a sequential reader are fetched in the background. */
  private static final int READ_AHEAD = 4;

  private final Index index;
  private final BlockStore blocks;
  private final long ino;
  private final long size;
  private long position;
  private boolean open = true;
  private List<Extent> window = List.of();
  private long windowStart;
  private long windowEnd;
  private int prefetched;

  FileContentChannel(Index index, BlockStore blocks, InodeRecord inode) {
    this.index = index;
    this.blocks = blocks;
    this.ino = inode.ino();
    this.size = inode.size();
  }

  @Override
  public int read(ByteBuffer dst) throws IOException {
    ensureOpen();
    if (position >= size) {
      return -1;
    }
    int want = (int) Math.min(dst.remaining(), size - position);
    int done = 0;
    while (done < want) {
      long pos = position + done;
      if (pos < windowStart || pos >= windowEnd) {
        loadWindow(pos);
      }
      int n = readAt(pos, dst, want - done);
      done += n;
    }
    position += done;
    return done;
  }

  /** Reads up to {@code max} bytes at {@code pos} from the current window into {@code dst}. */
  private int readAt(long pos, ByteBuffer dst, int max) throws IOException {
    int i = find(pos);
    if (i < 0) {
      // a hole: zeros up to the next extent or the window's end
      int next = -i - 1;
      long holeEnd = next < window.size() ? window.get(next).fileOffset() : windowEnd;
      int n = (int) Math.min(max, holeEnd - pos);
      for (int k = 0; k < n; k++) {
        dst.put((byte) 0);
      }
      return n;
    }
    Extent e = window.get(i);
    readAhead(i);
    int inExtent = (int) (pos - e.fileOffset());
    int n = Math.min(max, e.length() - inExtent);
    if (dst.hasArray()) {
      blocks.read(e.block(), e.blockOffset() + inExtent, dst.array(), dst.arrayOffset() + dst.position(), n);
      dst.position(dst.position() + n);
    } else {
      byte[] tmp = new byte[n];
      blocks.read(e.block(), e.blockOffset() + inExtent, tmp, 0, n);
      dst.put(tmp);
    }
    return n;
  }

  private void readAhead(int i) {
    int until = Math.min(window.size(), i + 1 + READ_AHEAD);
    for (int k = Math.max(prefetched, i + 1); k < until; k++) {
      blocks.prefetch(window.get(k).block());
    }
    prefetched = Math.max(prefetched, until);
  }

  /** Index of the extent covering {@code pos}, or {@code -(insertion point) - 1} for a hole. */
  private int find(long pos) {
    int lo = 0;
    int hi = window.size() - 1;
    while (lo <= hi) {
      int mid = (lo + hi) >>> 1;
      Extent e = window.get(mid);
      if (e.end() <= pos) {
        lo = mid + 1;
      } else if (e.fileOffset() > pos) {
        hi = mid - 1;
      } else {
        return mid;
      }
    }
    return -lo - 1;
  }

  private void loadWindow(long pos) {
    windowStart = pos;
    windowEnd = Math.min(size, pos + WINDOW);
    window = index.extents(ino, windowStart, windowEnd);
    prefetched = 0;
  }

  @Override
  public int write(ByteBuffer src) {
    throw new NonWritableChannelException();
  }

  @Override
  public long position() throws IOException {
    ensureOpen();
    return position;
  }

  @Override
  public SeekableByteChannel position(long newPosition) throws IOException {
    ensureOpen();
    if (newPosition < 0) {
      throw new IllegalArgumentException("negative position " + newPosition);
    }
    position = newPosition;
    return this;
  }

  @Override
  public long size() throws IOException {
    ensureOpen();
    return size;
  }

  @Override
  public SeekableByteChannel truncate(long newSize) {
    throw new NonWritableChannelException();
  }

  @Override
  public boolean isOpen() {
    return open;
  }

  @Override
  public void close() {
    open = false;
  }

  private void ensureOpen() throws IOException {
    if (!open) {
      throw new ClosedChannelException();
    }
  }
}
