package io.chunkstore.compress;

import java.io.IOException;
import java.util.Objects;

/**
 * Stores blocks as they are (codec id 0), for data that is already compressed or encrypted, where
 * compressing again only costs time.
 *
 * <p>Thread-safe and stateless; use {@link #INSTANCE}.
 */
public final class NoneCodec implements Codec {
  /** The frame id of uncompressed blocks; never reused for anything else. */
  public static final byte ID = 0;

  /** The only instance. */
  public static final NoneCodec INSTANCE = new NoneCodec();

  private NoneCodec() {}

  @Override
  public byte id() {
    return ID;
  }

  @Override
  public String spec() {
    return "none";
  }

  @Override
  public int maxCompressedLength(int rawLength) {
    if (rawLength < 0) {
      throw new IllegalArgumentException("negative raw length " + rawLength);
    }
    return rawLength;
  }

  @Override
  public int compress(byte[] src, int srcOff, int len, byte[] dst, int dstOff) {
    Objects.checkFromIndexSize(srcOff, len, src.length);
    Objects.checkFromIndexSize(dstOff, len, dst.length);
    System.arraycopy(src, srcOff, dst, dstOff, len);
    return len;
  }

  @Override
  public void decompress(byte[] src, int srcOff, int len, byte[] dst, int dstOff, int rawLength)
      throws IOException {
    Objects.checkFromIndexSize(srcOff, len, src.length);
    if (len != rawLength) {
      throw new IOException(
          "uncompressed frame holds " + len + " bytes instead of the expected " + rawLength);
    }
    Objects.checkFromIndexSize(dstOff, rawLength, dst.length);
    System.arraycopy(src, srcOff, dst, dstOff, len);
  }

  @Override
  public String toString() {
    return spec();
  }
}
