package io.chunkstore.store;

import io.chunkstore.chunking.Chunker;
import io.chunkstore.id.BlockId;
import io.chunkstore.index.Extent;
import io.chunkstore.pack.PreparedBlock;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;

/**
 * The dedup write path for one stream: cut into chunks, hash and compress them on the worker
 * threads, and hand them on in their original order: new blocks to the open pack, every block as
 * an {@link Extent} to the caller. Chunks of zeros become holes: no block, no extent.
 *
 * <p>Memory is bounded by a window of chunks in flight, whatever the length of the stream.
 * Compression is skipped for blocks the store already has.
 */
public final class ChunkPipeline {
  /** Receives the extents of a stream in order. */
  @FunctionalInterface
  public interface ExtentSink {
    /** Called once per chunk, in stream order. */
    void accept(Extent extent) throws IOException;
  }

  /**
   * What a worker made of one chunk: its id, and the prepared block unless the store had it. A
   * chunk of zeros has no id: it becomes a hole, which costs nothing and reads as zeros.
   */
  /** A cut chunk: a hole (no id), a new block (prepared), or a block stored already (its raw bytes kept). */
  private record Chunk(BlockId id, int length, PreparedBlock block, byte[] raw) {}

  private static final int READ_BUFFER = 4 << 20;
  private static final BlockId ZERO_ID = BlockId.wrap(new byte[BlockId.LENGTH]);
  /** One read buffer per writing thread: a put of many small files must not allocate 4 MiB each. */
  private static final ThreadLocal<byte[]> BUFFERS = new ThreadLocal<>();

  private final BlockStore store;
  private final Chunker chunker;
  private final int window;

  /** A pipeline that writes into {@code store}. */
  public ChunkPipeline(BlockStore store) {
    this.store = store;
    this.chunker = store.chunker();
    this.window = Math.max(16, store.threads() * 16);
  }

  /**
   * Reads {@code in} to its end and passes an extent for every chunk to {@code sink}, with file
   * offsets starting at {@code startOffset}.
   *
   * @return the number of bytes read
   */
  public long write(InputStream in, long startOffset, ExtentSink sink) throws IOException {
    int max = chunker.maxSize();
    byte[] buf = BUFFERS.get();
    if (buf == null || buf.length < 2 * max) {
      buf = new byte[Math.max(READ_BUFFER, 2 * max)];
      BUFFERS.set(buf);
    }
    ArrayDeque<Future<Chunk>> inFlight = new ArrayDeque<>();
    long offset = startOffset;
    int len = 0;
    boolean eof = false;
    boolean first = true;
    try {
      while (true) {
        while (!eof && len < buf.length) {
          int n = in.read(buf, len, buf.length - len);
          if (n < 0) {
            eof = true;
          } else {
            len += n;
          }
        }
        int pos = 0;
        // A stream that is one chunk long (most small files) is done on this thread: no hand-off.
        if (first && eof && len <= chunker.minSize() && len > 0) {
          Chunk c = process(Arrays.copyOf(buf, len));
          emit(c, offset, sink);
          return len;
        }
        first = false;
        while (len - pos >= max || (eof && pos < len)) {
          int cut = chunker.cut(buf, pos, Math.min(len - pos, max));
          byte[] data = Arrays.copyOfRange(buf, pos, pos + cut);
          inFlight.add(store.workers().submit(() -> process(data)));
          pos += cut;
          while (inFlight.size() >= window) {
            offset += emit(await(inFlight.poll()), offset, sink);
          }
        }
        if (eof) {
          break;
        }
        System.arraycopy(buf, pos, buf, 0, len - pos);
        len -= pos;
      }
      while (!inFlight.isEmpty()) {
        offset += emit(await(inFlight.poll()), offset, sink);
      }
      return offset - startOffset;
    } finally {
      for (Future<Chunk> f : inFlight) {
        f.cancel(false);
      }
    }
  }

  private Chunk process(byte[] data) {
    if (isAllZero(data)) {
      return new Chunk(null, data.length, null, null);
    }
    BlockId id = store.hasher().hash(data, 0, data.length);
    if (id.equals(ZERO_ID)) {
      // Never a real hash of non-zero data: a broken hasher must not make blocks alias.
      throw new IllegalStateException("the " + store.hasher().name() + " hash returned an all-zero id");
    }
    if (store.contains(id)) {
      return new Chunk(id, data.length, null, data);
    }
    return new Chunk(id, data.length, store.prepare(id, data, data.length), null);
  }

  private int emit(Chunk c, long offset, ExtentSink sink) throws IOException {
    if (c.block() != null) {
      store.add(c.block());
    } else if (c.id() != null && !store.confirmDuplicate(c.id())) {
      // gc condemned the stored copy since process() found it: store this one instead
      store.add(store.prepare(c.id(), c.raw(), c.length()));
    }
    if (c.id() != null) {
      sink.accept(new Extent(offset, c.id(), 0, c.length()));
    }
    return c.length();
  }

  private static boolean isAllZero(byte[] data) {
    for (byte b : data) {
      if (b != 0) {
        return false;
      }
    }
    return true;
  }

  private static Chunk await(Future<Chunk> f) throws IOException {
    try {
      return f.get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new java.io.InterruptedIOException("interrupted while storing blocks");
    } catch (ExecutionException e) {
      Throwable cause = e.getCause();
      if (cause instanceof IOException io) {
        throw io;
      }
      if (cause instanceof RuntimeException re) {
        throw re;
      }
      throw new IOException(cause);
    }
  }
}
