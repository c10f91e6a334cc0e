package io.chunkstore.pack;

import io.chunkstore.compress.Codec;
import io.chunkstore.id.BlockId;
import java.util.Arrays;
import java.util.Objects;

/**
 * A hashed block ready to go into a pack. Preparing does the expensive part, compressing a large
 * block and checksumming its frame, so that pipeline workers do it in parallel and the single
 * pack writer only copies bytes. Small blocks stay raw here: the writer compresses them together
 * in a shared frame.
 */
public final class PreparedBlock {
  private final BlockId id;
  private final int length;
  private final boolean solo;
  /** Solo: the complete encoded frame. Shared: a copy of the raw block. */
  private final byte[] data;

  private PreparedBlock(BlockId id, int length, boolean solo, byte[] data) {
    this.id = id;
    this.length = length;
    this.solo = solo;
    this.data = data;
  }

  /**
   * Compresses the block on its own when it is at least frameSize/2 bytes (or frameSize == 0);
   * otherwise keeps it raw for a shared frame. A block that does not shrink is stored with codec 0
   * (raw). The bytes are copied, so the caller may reuse {@code raw}.
   */
  public static PreparedBlock prepare(
      BlockId id, byte[] raw, int off, int len, Codec codec, int frameSize) {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(codec, "codec");
    Objects.checkFromIndexSize(off, len, raw.length);
    if (frameSize < 0) {
      throw new IllegalArgumentException("frame size must be >= 0, not " + frameSize);
    }
    if (frameSize == 0 || len >= frameSize / 2) {
      return new PreparedBlock(id, len, true, PackFormat.encodeFrame(codec, raw, off, len));
    }
    return new PreparedBlock(id, len, false, Arrays.copyOfRange(raw, off, off + len));
  }

  /** The block's hash. */
  public BlockId id() {
    return id;
  }

  /** The block's raw (uncompressed) length. */
  public int length() {
    return length;
  }

  /** Whether the block gets a frame of its own (already compressed) rather than a shared one. */
  public boolean solo() {
    return solo;
  }

  /**
   * Bytes the block adds to a pack, trailer entry included: exact for a solo block, its raw length
   * (an upper bound before shared compression) for a small one.
   */
  public int storedLength() {
    return (solo ? data.length : length) + PackFormat.ENTRY_LENGTH;
  }

  /** The frame's codec id for a solo block. */
  byte codec() {
    return data[0];
  }

  /** Solo: the complete frame; shared: the raw bytes. Not copied; do not modify. */
  byte[] data() {
    return data;
  }

  @Override
  public String toString() {
    return "PreparedBlock[" + id.shortHex() + ", " + length + " bytes, " + (solo ? "solo" : "shared") + "]";
  }
}
