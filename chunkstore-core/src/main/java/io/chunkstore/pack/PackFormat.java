package io.chunkstore.pack;

import io.chunkstore.compress.Codec;
import io.chunkstore.id.BlockId;
import java.util.Arrays;
import java.util.List;
import java.util.zip.CRC32C;

/** Constants and byte-level encoding of the pack format described in {@code package-info}. */
final class PackFormat {
  static final byte[] HEADER_MAGIC = {'C', 'S', 'P', 'K'};
  static final byte[] FOOTER_MAGIC = {'C', 'S', 'P', 'T'};
  static final int VERSION = 1;
  static final int HEADER_LENGTH = 8;
  static final int FRAME_HEADER_LENGTH = 9;
  static final int FRAME_OVERHEAD = FRAME_HEADER_LENGTH + 4;
  static final int ENTRY_LENGTH = BlockId.LENGTH + 8 + 4 + 4 + 4 + 1;
  static final int FOOTER_LENGTH = 12;
  static final byte RAW = 0;
  /** Largest stored or raw length of one frame (keeps the whole frame in a Java array). */
  static final int MAX_FRAME_CONTENT = Integer.MAX_VALUE - 64;

  private PackFormat() {}

  static byte[] header() {
    byte[] h = new byte[HEADER_LENGTH];
    System.arraycopy(HEADER_MAGIC, 0, h, 0, 4);
    h[4] = VERSION;
    return h;
  }

  /**
   * Encodes {@code len} bytes of {@code raw} as one complete frame: compressed with {@code codec}
   * when that makes it smaller, raw (codec 0) otherwise or when {@code codec} is null or has id 0.
   */
  static byte[] encodeFrame(Codec codec, byte[] raw, int off, int len) {
    if (len > MAX_FRAME_CONTENT) {
      throw new IllegalArgumentException("a frame holds at most " + MAX_FRAME_CONTENT + " bytes, not " + len);
    }
    if (codec != null && codec.id() != RAW && len > 0) {
      long max = codec.maxCompressedLength(len);
      if (max <= MAX_FRAME_CONTENT) {
        byte[] buf = new byte[FRAME_OVERHEAD + (int) max];
        int stored = codec.compress(raw, off, len, buf, FRAME_HEADER_LENGTH);
        if (stored < len) {
          byte[] frame = buf.length == FRAME_OVERHEAD + stored ? buf : Arrays.copyOf(buf, FRAME_OVERHEAD + stored);
          return sealFrame(frame, codec.id(), len, stored);
        }
      }
    }
    byte[] frame = new byte[FRAME_OVERHEAD + len];
    System.arraycopy(raw, off, frame, FRAME_HEADER_LENGTH, len);
    return sealFrame(frame, RAW, len, len);
  }

  private static byte[] sealFrame(byte[] frame, byte codec, int rawLength, int storedLength) {
    frame[0] = codec;
    putInt(frame, 1, rawLength);
    putInt(frame, 5, storedLength);
    int end = FRAME_HEADER_LENGTH + storedLength;
    putInt(frame, end, crc(frame, 0, end));
    return frame;
  }

  /** The trailer body followed by the footer. */
  static byte[] encodeTrailer(List<PackEntry> entries) {
    int bodyLength = 4 + entries.size() * ENTRY_LENGTH;
    byte[] t = new byte[bodyLength + FOOTER_LENGTH];
    putInt(t, 0, entries.size());
    int p = 4;
    for (PackEntry e : entries) {
      e.id().copyTo(t, p);
      putLong(t, p + 32, e.frameOffset());
      putInt(t, p + 40, e.frameLength());
      putInt(t, p + 44, e.offsetInFrame());
      putInt(t, p + 48, e.length());
      t[p + 52] = e.codec();
      p += ENTRY_LENGTH;
    }
    putInt(t, p, bodyLength);
    putInt(t, p + 4, crc(t, 0, bodyLength));
    System.arraycopy(FOOTER_MAGIC, 0, t, p + 8, 4);
    return t;
  }

  static int crc(byte[] b, int off, int len) {
    CRC32C c = new CRC32C();
    c.update(b, off, len);
    return (int) c.getValue();
  }

  static boolean matches(byte[] b, int off, byte[] magic) {
    return Arrays.equals(b, off, off + magic.length, magic, 0, magic.length);
  }

  static void putInt(byte[] b, int off, int v) {
    b[off] = (byte) (v >>> 24);
    b[off + 1] = (byte) (v >>> 16);
    b[off + 2] = (byte) (v >>> 8);
    b[off + 3] = (byte) v;
  }

  static void putLong(byte[] b, int off, long v) {
    putInt(b, off, (int) (v >>> 32));
    putInt(b, off + 4, (int) v);
  }

  static int getInt(byte[] b, int off) {
    return (b[off] & 0xff) << 24 | (b[off + 1] & 0xff) << 16 | (b[off + 2] & 0xff) << 8 | (b[off + 3] & 0xff);
  }

  static long getUnsignedInt(byte[] b, int off) {
    return getInt(b, off) & 0xffffffffL;
  }

  static long getLong(byte[] b, int off) {
    return (long) getInt(b, off) << 32 | getUnsignedInt(b, off + 4);
  }
}
