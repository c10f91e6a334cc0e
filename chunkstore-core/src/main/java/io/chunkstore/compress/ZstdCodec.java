package io.chunkstore.compress;

import com.github.luben.zstd.Zstd;
import com.github.luben.zstd.ZstdCompressCtx;
import com.github.luben.zstd.ZstdDecompressCtx;
import com.github.luben.zstd.ZstdException;
import java.io.IOException;
import java.lang.ref.Cleaner;
import java.util.Objects;

/**
 * Zstandard compression (codec id 1) through zstd-jni: fast, with a good ratio, and the decoder
 * reads frames of any level, so the level can change between writes of the same store.
 *
 * <p>Frames are standard zstd frames with the content size and a content checksum, so a damaged
 * frame fails to decompress instead of giving wrong bytes, and the {@code zstd} tool can read
 * them.
 *
 * <p>Thread-safe. Each thread reuses one native compression context and one decompression
 * context, shared by all instances, so a call allocates nothing and copies nothing.
 */
public final class ZstdCodec implements Codec {
  /** The frame id of zstd; never reused for anything else. */
  public static final byte ID = 1;

  /** The level of {@code zstd} without a level: zstd's own default. */
  public static final int DEFAULT_LEVEL = 3;

  /** Closes a thread's native contexts once the thread has died and its holder is unreachable. */
  private static final Cleaner CLEANER = Cleaner.create();

  /** One thread's contexts; zstd contexts must never be used by two threads at once. */
  private static final class Contexts {
    final ZstdCompressCtx cctx = new ZstdCompressCtx();
    final ZstdDecompressCtx dctx = new ZstdDecompressCtx();
    int level = Integer.MIN_VALUE; // the level cctx is set to; none yet

    Contexts() {
      cctx.setChecksum(true);
      cctx.setContentSize(true);
    }
  }

  // ZstdCompressCtx has no finalizer, so the contexts of a finished thread would leak their
  // native memory; the Cleaner frees them when the thread's ThreadLocalMap drops the holder.
  private static final ThreadLocal<Contexts> CONTEXTS =
      ThreadLocal.withInitial(
          () -> {
            Contexts c = new Contexts();
            ZstdCompressCtx cctx = c.cctx;
            ZstdDecompressCtx dctx = c.dctx;
            CLEANER.register(
                c,
                () -> {
                  cctx.close();
                  dctx.close();
                });
            return c;
          });

  private final int level;

  /** A codec at {@link #DEFAULT_LEVEL}. */
  public ZstdCodec() {
    this(DEFAULT_LEVEL);
  }

  /**
   * A codec at {@code level}, from zstd's fastest negative levels up to {@link #maxLevel()}; 0
   * means zstd's default, {@link #DEFAULT_LEVEL}.
   *
   * @throws IllegalArgumentException if zstd has no such level
   */
  public ZstdCodec(int level) {
    if (level < minLevel() || level > maxLevel()) {
      throw new IllegalArgumentException(
          "zstd level " + level + " is outside zstd's range " + minLevel() + " to " + maxLevel());
    }
    this.level = level == 0 ? DEFAULT_LEVEL : level;
  }

  /** The lowest (fastest) level zstd accepts. */
  public static int minLevel() {
    return Zstd.minCompressionLevel();
  }

  /** The highest (strongest) level zstd accepts. */
  public static int maxLevel() {
    return Zstd.maxCompressionLevel();
  }

  /** The compression level; decompression does not depend on it. */
  public int level() {
    return level;
  }

  @Override
  public byte id() {
    return ID;
  }

  @Override
  public String spec() {
    return "zstd:" + level;
  }

  /**
   * Level 1: on binaries 1.5 times the speed of level 3 for 4% more bytes (zstd's own benchmark
   * of the first 200 MB of the fsbench tar, 64 KiB blocks); negative levels gave up 14% more.
   */
  @Override
  public Codec faster() {
    return level > 1 ? new ZstdCodec(1) : this;
  }

  /** Zstd's {@code ZSTD_COMPRESSBOUND}, computed here to avoid a native call. */
  @Override
  public int maxCompressedLength(int rawLength) {
    if (rawLength < 0) {
      throw new IllegalArgumentException("negative raw length " + rawLength);
    }
    long n = rawLength;
    long bound = n + (n >>> 8) + (n < (128 << 10) ? ((128 << 10) - n) >>> 11 : 0);
    if (bound > Integer.MAX_VALUE) {
      throw new IllegalArgumentException(
          "a block of " + rawLength + " bytes is too large to compress into one array");
    }
    return (int) bound;
  }

  /** {@inheritDoc} Zstd may use all {@code maxCompressedLength(len)} bytes as scratch space. */
  @Override
  public int compress(byte[] src, int srcOff, int len, byte[] dst, int dstOff) {
    Objects.checkFromIndexSize(srcOff, len, src.length);
    int room = maxCompressedLength(len);
    Objects.checkFromIndexSize(dstOff, room, dst.length);
    Contexts c = CONTEXTS.get();
    if (c.level != level) {
      c.cctx.setLevel(level);
      c.level = level;
    }
    return c.cctx.compressByteArray(dst, dstOff, room, src, srcOff, len);
  }

  @Override
  public void decompress(byte[] src, int srcOff, int len, byte[] dst, int dstOff, int rawLength)
      throws IOException {
    Objects.checkFromIndexSize(srcOff, len, src.length);
    if (rawLength < 0) {
      throw new IOException("zstd frame claims a negative raw length, " + rawLength);
    }
    Objects.checkFromIndexSize(dstOff, rawLength, dst.length);
    int n;
    try {
      n = CONTEXTS.get().dctx.decompressByteArray(dst, dstOff, rawLength, src, srcOff, len);
    } catch (ZstdException e) {
      throw new IOException(
          "zstd frame of " + len + " bytes is damaged or holds more than the expected "
              + rawLength + " bytes: " + e.getMessage(),
          e);
    }
    if (n != rawLength) {
      throw new IOException(
          "zstd frame decompressed to " + n + " bytes instead of the expected " + rawLength);
    }
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof ZstdCodec z && z.level == level;
  }

  @Override
  public int hashCode() {
    return 31 * ID + level;
  }

  @Override
  public String toString() {
    return spec();
  }
}
