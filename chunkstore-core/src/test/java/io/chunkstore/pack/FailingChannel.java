package io.chunkstore.pack;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.WritableByteChannel;

/** A FileChannel that passes writes through until told to fail, corrupt or drop them. */
final class FailingChannel extends FileChannel {
  private final FileChannel inner;
  /** Writes fail once this many bytes have been written; -1 = never. */
  volatile long failAfterBytes = -1;
  volatile boolean failForce;
  /** Flip a bit in the middle of the next write. */
  volatile boolean corruptNextWrite;
  /** Pretend to write the next write without writing it. */
  volatile boolean dropNextWrite;
  private long written;

  FailingChannel(FileChannel inner) {
    this.inner = inner;
  }

  @Override
  public int write(ByteBuffer src) throws IOException {
    int n = src.remaining();
    if (failAfterBytes >= 0 && written + n > failAfterBytes) {
      throw new IOException("No space left on device");
    }
    if (dropNextWrite) {
      dropNextWrite = false;
      src.position(src.limit());
      return n;
    }
    if (corruptNextWrite && n > 0) {
      corruptNextWrite = false;
      ByteBuffer copy = ByteBuffer.allocate(n).put(src.duplicate()).flip();
      copy.put(n / 2, (byte) (copy.get(n / 2) ^ 1));
      src.position(src.limit());
      written += n;
      while (copy.hasRemaining()) {
        inner.write(copy);
      }
      return n;
    }
    int k = inner.write(src);
    written += k;
    return k;
  }

  @Override
  public void force(boolean metaData) throws IOException {
    if (failForce) {
      throw new IOException("Input/output error");
    }
    inner.force(metaData);
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
  public long write(ByteBuffer[] srcs, int offset, int length) throws IOException {
    throw new UnsupportedOperationException();
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
  public long transferFrom(ReadableByteChannel src, long position, long count) {
    throw new UnsupportedOperationException();
  }

  @Override
  public int read(ByteBuffer dst, long position) throws IOException {
    return inner.read(dst, position);
  }

  @Override
  public int write(ByteBuffer src, long position) {
    throw new UnsupportedOperationException();
  }

  @Override
  public MappedByteBuffer map(MapMode mode, long position, long size) throws IOException {
    return inner.map(mode, position, size);
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
