package io.chunkstore.index;

import io.chunkstore.id.PackId;

/**
 * A sealed super-chunk known to the index.
 *
 * @param id the pack's id, also its key in the backend
 * @param size its length in bytes
 * @param blockCount how many blocks its trailer lists
 * @param createdMillis when it was sealed
 * @param state where it is in its life cycle
 */
public record PackRecord(PackId id, long size, int blockCount, long createdMillis, State state) {
  /**
   * A pack's life cycle after sealing. A pack is recorded once the backend has it; gc retires it in
   * the batch that moves its live blocks elsewhere, and deletes it from the backend afterwards, so a
   * killed gc leaves retired packs that the next gc deletes. The ordinals are stored: append only.
   */
  public enum State {
    /** In the backend; blocks may point into it. */
    STORED,
    /** No block points into it any more; its deletion from the backend is due. */
    RETIRED,
    /**
     * Written by gc and being uploaded; no block points into it until the batch that moves blocks
     * makes it {@link #STORED}. One left by a killed gc is deleted by the next.
     */
    SEALED
  }

  /** A stored pack. */
  public PackRecord(PackId id, long size, int blockCount, long createdMillis) {
    this(id, size, blockCount, createdMillis, State.STORED);
  }

  /** A copy in another state. */
  public PackRecord withState(State s) {
    return new PackRecord(id, size, blockCount, createdMillis, s);
  }

  byte[] encodeValue() {
    // 20 bytes for a stored pack, as before states existed; a 21st byte for any other state
    byte[] b = new byte[state == State.STORED ? 20 : 21];
    Codec64.putLong(b, 0, size);
    Codec64.putInt(b, 8, blockCount);
    Codec64.putLong(b, 12, createdMillis);
    if (b.length > 20) {
      b[20] = (byte) state.ordinal();
    }
    return b;
  }

  static PackRecord decode(PackId id, byte[] v) {
    State s = v.length > 20 ? State.values()[v[20]] : State.STORED;
    return new PackRecord(id, Codec64.getLong(v, 0), Codec64.getInt(v, 8), Codec64.getLong(v, 12), s);
  }
}
