package io.chunkstore.index;

import io.chunkstore.id.PackId;

/**
 * A sealed super-chunk known to the index.
 *
 * @param id the pack's id, also its key in the backend
 * @param size its length in bytes
 * @param blockCount how many blocks its trailer lists
 * @param createdMillis when it was sealed
 */
public record PackRecord(PackId id, long size, int blockCount, long createdMillis) {
  byte[] encodeValue() {
    byte[] b = new byte[20];
    Codec64.putLong(b, 0, size);
    Codec64.putInt(b, 8, blockCount);
    Codec64.putLong(b, 12, createdMillis);
    return b;
  }

  static PackRecord decode(PackId id, byte[] v) {
    return new PackRecord(id, Codec64.getLong(v, 0), Codec64.getInt(v, 8), Codec64.getLong(v, 12));
  }
}
