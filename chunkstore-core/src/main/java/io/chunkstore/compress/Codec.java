package io.chunkstore.compress;

import java.io.IOException;

/**
 * A block compression method with a stable one-byte id that is written into every frame.
 * Retired ids are never reused, so any pack ever written stays readable.
 *
 * <p>Implementations are thread-safe and reuse native contexts rather than allocating per call.
 */
public interface Codec {
  /** The id written into frames: 0 = none, 1 = zstd. */
  byte id();

  /** The persisted name with its parameters, such as {@code zstd:3} or {@code none}. */
  String spec();

  /** An upper bound of the compressed size of {@code rawLength} bytes. */
  int maxCompressedLength(int rawLength);

  /**
   * Compresses {@code len} bytes of {@code src} at {@code srcOff} into {@code dst} at
   * {@code dstOff}, which has room for {@link #maxCompressedLength(int)} bytes, and returns the
   * compressed length.
   */
  int compress(byte[] src, int srcOff, int len, byte[] dst, int dstOff);

  /**
   * Decompresses {@code len} bytes of {@code src} at {@code srcOff} into exactly
   * {@code rawLength} bytes of {@code dst} at {@code dstOff}.
   *
   * @throws IOException if the input is damaged or does not decompress to {@code rawLength} bytes
   */
  void decompress(byte[] src, int srcOff, int len, byte[] dst, int dstOff, int rawLength)
      throws IOException;

  /**
   * This codec at a level fast enough for the write path of a mount: frames name their codec, not
   * its level, so what it writes reads back like any other frame of the store. This codec itself
   * if it has no faster level worth having.
   */
  default Codec faster() {
    return this;
  }
}
