package io.chunkstore.fuse;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.SplittableRandom;

/**
 * Large deterministic test content, made on the fly: every MiB is half random and half
 * repetitive text, so it compresses partly and never dedups within itself.
 */
final class GeneratedContent {
  static final int MIB = 1 << 20;

  private GeneratedContent() {}

  /** The {@code index}-th MiB of the content for {@code seed}. */
  static byte[] mib(long seed, long index) {
    byte[] b = new byte[MIB];
    SplittableRandom r = new SplittableRandom(seed * 1_000_003L + index);
    for (int i = 0; i < MIB; i += 8) {
      long v = r.nextLong();
      for (int j = 0; j < 8; j++) {
        b[i + j] = (byte) (v >>> (8 * j));
      }
    }
    String text = "block " + index + " of seed " + seed + ": the quick brown fox jumps over the lazy dog. ";
    byte[] t = text.getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    for (int region = 0; region < MIB; region += 64 << 10) {
      for (int i = 0; i < (32 << 10); i++) {
        b[region + (32 << 10) + i] = t[(i + region / 7) % t.length];
      }
    }
    return b;
  }

  /** The first {@code size} bytes of the content for {@code seed}. */
  static InputStream stream(long seed, long size) {
    return new InputStream() {
      private long pos;
      private byte[] cur;
      private long curIndex = -1;

      @Override
      public int read() throws IOException {
        byte[] one = new byte[1];
        return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
      }

      @Override
      public int read(byte[] dst, int off, int len) {
        if (pos >= size) {
          return -1;
        }
        long index = pos / MIB;
        if (index != curIndex) {
          cur = mib(seed, index);
          curIndex = index;
        }
        int inBlock = (int) (pos % MIB);
        int n = (int) Math.min(Math.min(len, MIB - inBlock), size - pos);
        System.arraycopy(cur, inBlock, dst, off, n);
        pos += n;
        return n;
      }
    };
  }

  /** Writes {@code in} to {@code file} (created or truncated) in 1 MiB writes; returns the byte count. */
  static long write(InputStream in, Path file, boolean fsync) throws IOException {
    long total = 0;
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
        StandardOpenOption.TRUNCATE_EXISTING)) {
      byte[] buf = new byte[MIB];
      int n;
      while ((n = in.readNBytes(buf, 0, buf.length)) > 0) {
        ByteBuffer bb = ByteBuffer.wrap(buf, 0, n);
        while (bb.hasRemaining()) {
          ch.write(bb);
        }
        total += n;
      }
      if (fsync) {
        ch.force(true);
      }
    }
    return total;
  }

  /** SHA-256 of a stream, as hex. */
  static String sha256(InputStream in) throws IOException {
    try {
      MessageDigest md = MessageDigest.getInstance("SHA-256");
      byte[] buf = new byte[MIB];
      int n;
      while ((n = in.read(buf)) > 0) {
        md.update(buf, 0, n);
      }
      return HexFormat.of().formatHex(md.digest());
    } catch (NoSuchAlgorithmException e) {
      throw new AssertionError(e);
    }
  }
}
