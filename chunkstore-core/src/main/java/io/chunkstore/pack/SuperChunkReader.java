package io.chunkstore.pack;

import static io.chunkstore.pack.PackFormat.ENTRY_LENGTH;
import static io.chunkstore.pack.PackFormat.FOOTER_LENGTH;
import static io.chunkstore.pack.PackFormat.FRAME_HEADER_LENGTH;
import static io.chunkstore.pack.PackFormat.FRAME_OVERHEAD;
import static io.chunkstore.pack.PackFormat.HEADER_LENGTH;

import io.chunkstore.backend.Backend;
import io.chunkstore.compress.Codec;
import io.chunkstore.id.BlockId;
import io.chunkstore.id.PackId;
import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Reads packs: the trailer (to list or re-index a pack's blocks) and single frames (to read a
 * block with one range read). Every byte is checked before it is returned; damage is a {@link
 * CorruptPackException}. Stateless and thread-safe.
 */
public final class SuperChunkReader {
  /** How much of a pack's end the first trailer read fetches, so small trailers take one read. */
  private static final int TAIL_READ = 64 * 1024;

  private SuperChunkReader() {}

  /** Positional reads of exactly {@code length} bytes; EOFException if the source is shorter. */
  @FunctionalInterface
  interface RangeReader {
    byte[] read(long offset, int length) throws IOException;
  }

  /**
   * Reads and verifies the trailer of a pack stored in backend under id.hex().
   *
   * @throws NoSuchFileException if the backend has no such pack
   * @throws CorruptPackException if the header, footer or trailer is damaged or the pack is cut
   *     short
   */
  public static PackManifest readManifest(Backend backend, PackId id) throws IOException {
    String key = id.hex();
    long size =
        backend
            .stat(key)
            .orElseThrow(() -> new NoSuchFileException(key, null, "no such pack in " + backend.describe()));
    return readManifest(id, size, (off, len) -> backend.get(key, off, len));
  }

  /** Reads and verifies the trailer of a pack in a local file, such as one not yet uploaded. */
  public static PackManifest readManifest(Path file, PackId id) throws IOException {
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
      return readManifest(id, ch.size(), channelReader(ch));
    }
  }

  static PackManifest readManifest(PackId id, long size, RangeReader reader) throws IOException {
    if (size < HEADER_LENGTH + 4 + FOOTER_LENGTH) {
      throw new CorruptPackException(id, size, "only " + size + " bytes long, too short to be a pack (truncated?)");
    }
    int tailLength = (int) Math.min(size, TAIL_READ);
    byte[] tail = read(reader, id, size - tailLength, tailLength);
    byte[] header = tailLength == size ? tail : read(reader, id, 0, HEADER_LENGTH);
    checkHeader(id, header);

    int footer = tailLength - FOOTER_LENGTH;
    if (!PackFormat.matches(tail, footer + 8, PackFormat.FOOTER_MAGIC)) {
      throw new CorruptPackException(id, size - 4, "no trailer magic at the end (truncated, or never finished?)");
    }
    long bodyLength = PackFormat.getUnsignedInt(tail, footer);
    long bodyStart = size - FOOTER_LENGTH - bodyLength;
    if (bodyLength < 4 || bodyLength > Integer.MAX_VALUE || bodyStart < HEADER_LENGTH) {
      throw new CorruptPackException(id, size - FOOTER_LENGTH, "impossible trailer length " + bodyLength);
    }
    byte[] body;
    if (bodyLength <= footer) {
      body = Arrays.copyOfRange(tail, footer - (int) bodyLength, footer);
    } else {
      body = read(reader, id, bodyStart, (int) bodyLength);
    }
    if (PackFormat.crc(body, 0, body.length) != PackFormat.getInt(tail, footer + 4)) {
      throw new CorruptPackException(id, bodyStart, "trailer checksum mismatch");
    }
    long count = PackFormat.getUnsignedInt(body, 0);
    if (4 + count * ENTRY_LENGTH != bodyLength) {
      throw new CorruptPackException(
          id, bodyStart, "trailer of " + bodyLength + " bytes cannot hold " + count + " entries");
    }
    List<PackEntry> entries = new ArrayList<>((int) count);
    for (int i = 0, p = 4; i < count; i++, p += ENTRY_LENGTH) {
      PackEntry e =
          new PackEntry(
              BlockId.read(body, p),
              PackFormat.getLong(body, p + 32),
              PackFormat.getInt(body, p + 40),
              PackFormat.getInt(body, p + 44),
              PackFormat.getInt(body, p + 48),
              body[p + 52]);
      boolean frameInPack =
          e.frameOffset() >= HEADER_LENGTH
              && e.frameLength() >= FRAME_OVERHEAD
              && e.frameOffset() + e.frameLength() <= bodyStart;
      if (!frameInPack || e.offsetInFrame() < 0 || e.length() < 0 || (long) e.offsetInFrame() + e.length() > Integer.MAX_VALUE) {
        throw new CorruptPackException(id, bodyStart + p, "trailer entry " + i + " points outside the pack: " + e);
      }
      entries.add(e);
    }
    return new PackManifest(id, size, entries);
  }

  private static void checkHeader(PackId id, byte[] header) throws IOException {
    if (!PackFormat.matches(header, 0, PackFormat.HEADER_MAGIC)) {
      throw new CorruptPackException(id, 0, "not a chunkstore pack (no CSPK magic at the start)");
    }
    if (header[4] != PackFormat.VERSION) {
      throw new IOException(
          "pack " + id.hex() + " has format version " + (header[4] & 0xff) + ", but this chunkstore reads only version "
              + PackFormat.VERSION + " (written by a newer chunkstore, or damaged)");
    }
    if (header[5] != 0 || header[6] != 0 || header[7] != 0) {
      throw new CorruptPackException(id, 5, "reserved header bytes are not zero");
    }
  }

  /**
   * Reads one frame with a single range read and returns its decompressed bytes, after checking
   * its CRC32C and lengths. A block is {@code length} bytes at {@code offsetInFrame} of the
   * result.
   *
   * @throws NoSuchFileException if the backend has no such pack
   * @throws CorruptPackException if the frame is damaged or the pack ends inside it
   */
  public static byte[] readFrame(
      Backend backend, PackId pack, long frameOffset, int frameLength, CodecLookup codecs)
      throws IOException {
    if (frameOffset < 0 || frameLength < 0) {
      throw new IllegalArgumentException("negative frame offset or length: " + frameOffset + ", " + frameLength);
    }
    byte[] frame;
    try {
      frame = backend.get(pack.hex(), frameOffset, frameLength);
    } catch (EOFException e) {
      throw new CorruptPackException(pack, frameOffset, "the pack ends inside this frame (truncated?)", e);
    }
    return decodeFrame(pack, frameOffset, frame, 0, frame.length, codecs);
  }

  /** Decodes frame bytes already in memory (same checks as {@link #readFrame}). */
  public static byte[] decodeFrame(byte[] frame, int off, int len, CodecLookup codecs) throws IOException {
    return decodeFrame(null, -1, frame, off, len, codecs);
  }

  /**
   * Decodes frame bytes already in memory; {@code pack} and {@code frameOffset} only name the
   * frame in error messages (null and -1 if not known).
   */
  public static byte[] decodeFrame(
      PackId pack, long frameOffset, byte[] frame, int off, int len, CodecLookup codecs) throws IOException {
    if (len < FRAME_OVERHEAD) {
      throw new CorruptPackException(pack, frameOffset, "a frame of " + len + " bytes is shorter than its header");
    }
    int end = off + len - 4;
    if (PackFormat.crc(frame, off, len - 4) != PackFormat.getInt(frame, end)) {
      throw new CorruptPackException(pack, frameOffset, "frame checksum mismatch");
    }
    byte codecId = frame[off];
    int rawLength = PackFormat.getInt(frame, off + 1);
    int storedLength = PackFormat.getInt(frame, off + 5);
    if (storedLength != len - FRAME_OVERHEAD || rawLength < 0) {
      throw new CorruptPackException(
          pack, frameOffset, "frame lengths do not match (stored " + storedLength + ", raw " + rawLength + ", frame " + len + ")");
    }
    int storedOff = off + FRAME_HEADER_LENGTH;
    if (codecId == PackFormat.RAW) {
      if (rawLength != storedLength) {
        throw new CorruptPackException(pack, frameOffset, "raw frame with different raw and stored lengths");
      }
      return Arrays.copyOfRange(frame, storedOff, storedOff + storedLength);
    }
    Codec codec = codecs.byId(codecId);
    if (codec == null) {
      throw new IOException("unknown codec id " + (codecId & 0xff) + " in a frame" + where(pack, frameOffset));
    }
    byte[] raw = new byte[rawLength];
    try {
      codec.decompress(frame, storedOff, storedLength, raw, 0, rawLength);
    } catch (IOException | RuntimeException e) {
      throw new CorruptPackException(pack, frameOffset, "frame does not decompress with " + codec.spec() + ": " + e.getMessage(), e);
    }
    return raw;
  }

  /**
   * Walks the frames of a local pack file from the start, without trusting the trailer, for fsck.
   * Stops where the trailer begins when the trailer is intact, otherwise at the first header whose
   * frame would not fit in the file. A frame with a bad checksum is reported and the walk goes on
   * (its length field may still be right). With a damaged trailer the walk may also report the
   * start of the trailer as one last frame with a bad checksum.
   *
   * @throws CorruptPackException if the file does not start with a pack header
   */
  public static List<FrameInfo> scanFrames(Path file, PackId id) throws IOException {
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
      long size = ch.size();
      RangeReader reader = channelReader(ch);
      if (size < HEADER_LENGTH) {
        throw new CorruptPackException(id, 0, "only " + size + " bytes long, too short to be a pack");
      }
      checkHeader(id, read(reader, id, 0, HEADER_LENGTH));
      long end = size;
      try {
        PackManifest m = readManifest(id, size, reader);
        end = size - FOOTER_LENGTH - 4 - (long) m.entries().size() * ENTRY_LENGTH;
      } catch (CorruptPackException damagedTrailer) {
        // walk as far as the frames themselves allow
      }
      List<FrameInfo> frames = new ArrayList<>();
      long pos = HEADER_LENGTH;
      while (pos + FRAME_OVERHEAD <= end) {
        byte[] h = reader.read(pos, FRAME_HEADER_LENGTH);
        long stored = PackFormat.getUnsignedInt(h, 5);
        long frameLength = FRAME_OVERHEAD + stored;
        if (pos + frameLength > end || frameLength > Integer.MAX_VALUE) {
          break;
        }
        byte[] frame = reader.read(pos, (int) frameLength);
        int n = (int) frameLength - 4;
        boolean ok = PackFormat.crc(frame, 0, n) == PackFormat.getInt(frame, n);
        frames.add(new FrameInfo(pos, (int) frameLength, h[0], PackFormat.getInt(h, 1), ok));
        pos += frameLength;
      }
      return frames;
    }
  }

  static RangeReader channelReader(FileChannel ch) {
    return (offset, length) -> {
      ByteBuffer buf = ByteBuffer.allocate(length);
      long pos = offset;
      while (buf.hasRemaining()) {
        int n = ch.read(buf, pos);
        if (n < 0) {
          throw new EOFException("file ends before offset " + (offset + length));
        }
        pos += n;
      }
      return buf.array();
    };
  }

  private static byte[] read(RangeReader reader, PackId id, long offset, int length) throws IOException {
    try {
      return reader.read(offset, length);
    } catch (EOFException e) {
      throw new CorruptPackException(id, offset, "the pack is shorter than its own size says (changed while read?)", e);
    }
  }

  private static String where(PackId pack, long frameOffset) {
    return (pack == null ? "" : " of pack " + pack.hex()) + (frameOffset < 0 ? "" : " at offset " + frameOffset)
        + "; written by a newer chunkstore, or damaged";
  }
}
