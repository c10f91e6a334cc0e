package io.chunkstore.pack;

import io.chunkstore.compress.Codec;
import io.chunkstore.id.BlockId;
import io.chunkstore.id.PackId;
import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * Writes one pack to a local file (usually in {@code STORE/staging}), to be put into a backend
 * once finished. Large blocks arrive already compressed and become frames of their own; small
 * ones are gathered into a shared frame and compressed together.
 *
 * <p>A writer that fails once is broken for good: after the first error every {@link #add} and
 * {@link #finish} throws "pack writer failed earlier", so that a pack with a hole in it is never
 * finished. {@link #finish} fsyncs the file and re-reads the trailer from it before returning the
 * manifest. {@link #close} without a successful finish deletes the file. Methods are
 * synchronized, so pipeline threads may share one writer.
 */
public final class SuperChunkWriter implements Closeable {
  /** Opens the output file; tests substitute one that fails. */
  @FunctionalInterface
  interface ChannelOpener {
    FileChannel open(Path file) throws IOException;
  }

  private record Pending(BlockId id, int offsetInFrame, int length) {}

  private final PackId id;
  private final Path file;
  private final Codec codec;
  private final int frameSize;
  private final List<PackEntry> entries = new ArrayList<>();
  private final Set<BlockId> ids = new HashSet<>();
  private final List<Pending> pending = new ArrayList<>();
  private FileChannel channel;
  private long written;
  private byte[] shared = new byte[0];
  private int sharedLength;
  private Exception failure;
  private PackManifest manifest;
  private boolean closed;
  /** How many of {@link #entries} {@link #drainEntries} has handed out. */
  private int drained;

  /**
   * Writes a new pack to file (created; usually in STORE/staging). frameSize: target raw bytes of
   * a shared frame of small blocks; 0 = one block per frame. codec compresses shared frames.
   *
   * @throws java.nio.file.FileAlreadyExistsException if {@code file} exists
   */
  public SuperChunkWriter(PackId id, Path file, Codec codec, int frameSize) throws IOException {
    this(id, file, codec, frameSize,
        // private from the first moment (a shared store's group bits are added after): a pack
        // holds its files' content, and another user must not open it before the modes are set
        f -> FileChannel.open(f, java.util.Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE),
            java.nio.file.attribute.PosixFilePermissions.asFileAttribute(
                java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"))));
  }

  SuperChunkWriter(PackId id, Path file, Codec codec, int frameSize, ChannelOpener opener)
      throws IOException {
    this.id = Objects.requireNonNull(id, "id");
    this.file = Objects.requireNonNull(file, "file");
    this.codec = Objects.requireNonNull(codec, "codec");
    if (frameSize < 0) {
      throw new IllegalArgumentException("frame size must be >= 0, not " + frameSize);
    }
    this.frameSize = frameSize;
    this.channel = opener.open(file);
    try {
      write(PackFormat.header());
    } catch (IOException | RuntimeException e) {
      discard(e);
      throw e;
    }
  }

  /** The id of the pack being written. */
  public PackId id() {
    return id;
  }

  /**
   * Adds a block. A solo block is written as its own frame; a small one is buffered into the
   * shared frame, which is compressed and written when it reaches the frame size. A block already
   * in this pack is ignored.
   */
  public synchronized void add(PreparedBlock block) throws IOException {
    checkUsable();
    if (ids.contains(block.id())) {
      return;
    }
    try {
      if (block.solo()) {
        byte[] frame = block.data();
        long offset = written;
        write(frame);
        entries.add(new PackEntry(block.id(), offset, frame.length, 0, block.length(), block.codec()));
        ids.add(block.id());
      } else {
        int len = block.length();
        if (sharedLength > 0 && (long) sharedLength + len > frameSize) {
          flushShared();
        }
        if (sharedLength + len > shared.length) {
          shared = Arrays.copyOf(shared, Math.max(sharedLength + len, Math.max(frameSize, 2 * shared.length)));
        }
        System.arraycopy(block.data(), 0, shared, sharedLength, len);
        pending.add(new Pending(block.id(), sharedLength, len));
        ids.add(block.id());
        sharedLength += len;
        if (sharedLength >= frameSize) {
          flushShared();
        }
      }
    } catch (IOException | RuntimeException e) {
      fail(e);
      throw e;
    }
  }

  /** Bytes the pack would have if finished now: written, plus buffered blocks at raw size, plus the trailer. */
  public synchronized long size() {
    if (manifest != null) {
      return manifest.size();
    }
    long buffered = sharedLength > 0 ? PackFormat.FRAME_OVERHEAD + sharedLength : 0;
    return written + buffered + 4 + (long) blockCount() * PackFormat.ENTRY_LENGTH + PackFormat.FOOTER_LENGTH;
  }

  /** Number of blocks added so far. */
  public synchronized int blockCount() {
    return entries.size() + pending.size();
  }

  /** Whether a block was added to this pack, so that the pipeline can dedup within an open pack. */
  public synchronized boolean contains(BlockId blockId) {
    return ids.contains(blockId);
  }

  /** True if the block waits in the shared frame, which is not in the file yet. */
  public synchronized boolean isBuffered(BlockId blockId) {
    for (Pending p : pending) {
      if (p.id().equals(blockId)) {
        return true;
      }
    }
    return false;
  }

  /**
   * Returns the entries of the blocks written since the last call: their frames are in the file,
   * so an index may point at them. With {@code flushShared}, the shared frame is written first,
   * even if it is not full, so that every block added so far is included.
   */
  public synchronized List<PackEntry> drainEntries(boolean flushShared) throws IOException {
    checkUsable();
    try {
      if (flushShared && sharedLength > 0) {
        flushShared();
      }
    } catch (IOException | RuntimeException e) {
      fail(e);
      throw e;
    }
    List<PackEntry> out = List.copyOf(entries.subList(drained, entries.size()));
    drained = entries.size();
    return out;
  }

  /** Forces what is written so far to disk, so that a crash of the machine keeps it. */
  public synchronized void force() throws IOException {
    checkUsable();
    try {
      channel.force(false);
    } catch (IOException | RuntimeException e) {
      fail(e);
      throw e;
    }
  }

  /**
   * Flushes the shared frame, writes the trailer and footer, fsyncs the file, then re-reads the
   * trailer from the file and checks that it equals what was written. Returns the manifest; a
   * second call returns it again. The file stays in place for the caller to upload.
   *
   * @throws CorruptPackException if the trailer read back differs from what was written
   */
  public synchronized PackManifest finish() throws IOException {
    if (manifest != null) {
      return manifest;
    }
    checkUsable();
    try {
      if (sharedLength > 0) {
        flushShared();
      }
      write(PackFormat.encodeTrailer(entries));
      channel.force(true);
      channel.close();
      PackManifest expected = new PackManifest(id, written, entries);
      PackManifest actual;
      try (FileChannel in = FileChannel.open(file, StandardOpenOption.READ)) {
        long size = in.size();
        if (size != written) {
          throw new CorruptPackException(id, Math.min(size, written),
              "the file has " + size + " bytes after writing " + written);
        }
        actual = SuperChunkReader.readManifest(id, size, SuperChunkReader.channelReader(in));
      }
      if (!actual.equals(expected)) {
        throw new CorruptPackException(id, written - PackFormat.FOOTER_LENGTH,
            "the trailer read back from " + file + " differs from the one written");
      }
      manifest = expected;
      shared = null;
      return manifest;
    } catch (IOException | RuntimeException e) {
      fail(e);
      throw e;
    }
  }

  /**
   * Closes the file without deleting it, finished or not: for a pack whose blocks an index may
   * already point at, so that crash recovery can still read them.
   */
  public synchronized void closeKeepingFile() {
    if (closed) {
      return;
    }
    closed = true;
    try {
      channel.close();
    } catch (IOException e) {
      // nothing more to lose: the frames written so far are in the file or they are not
    }
  }

  /** If the pack was not finished, abandons it and deletes the file; otherwise does nothing. */
  @Override
  public synchronized void close() throws IOException {
    if (closed) {
      return;
    }
    closed = true;
    if (manifest == null) {
      IOException e = new IOException("closing unfinished pack " + id.hex());
      discard(e);
      if (e.getSuppressed().length > 0) {
        throw e;
      }
    }
  }

  private void flushShared() throws IOException {
    byte[] frame = PackFormat.encodeFrame(codec, shared, 0, sharedLength);
    long offset = written;
    write(frame);
    for (Pending p : pending) {
      entries.add(new PackEntry(p.id(), offset, frame.length, p.offsetInFrame(), p.length(), frame[0]));
    }
    pending.clear();
    sharedLength = 0;
  }

  private void write(byte[] bytes) throws IOException {
    ByteBuffer buf = ByteBuffer.wrap(bytes);
    while (buf.hasRemaining()) {
      channel.write(buf);
    }
    written += bytes.length;
  }

  private void checkUsable() throws IOException {
    if (failure != null) {
      throw new IOException("pack writer failed earlier: " + failure.getMessage(), failure);
    }
    if (closed) {
      throw new IOException("pack writer for " + id.hex() + " is closed");
    }
    if (manifest != null) {
      throw new IOException("pack " + id.hex() + " is already finished");
    }
  }

  private void fail(Exception e) {
    if (failure == null) {
      failure = e;
    }
    try {
      channel.close();
    } catch (IOException suppressed) {
      e.addSuppressed(suppressed);
    }
  }

  /** Closes the channel and deletes the file; problems are added to {@code e} as suppressed. */
  private void discard(Exception e) {
    try {
      channel.close();
    } catch (IOException suppressed) {
      e.addSuppressed(suppressed);
    }
    try {
      Files.deleteIfExists(file);
    } catch (IOException suppressed) {
      e.addSuppressed(suppressed);
    }
    shared = null;
    pending.clear();
  }
}
