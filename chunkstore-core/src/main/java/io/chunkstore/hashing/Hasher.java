package io.chunkstore.hashing;

import io.chunkstore.id.BlockId;

/**
 * A 256-bit content hash that names blocks. Chosen by its persisted {@link #name()} when a store
 * is created and never changed for that store.
 *
 * <p>Implementations are thread-safe: one instance is shared by every pipeline worker.
 */
public interface Hasher {
  /** The persisted name, such as {@code blake3} or {@code sha256}. */
  String name();

  /** Hashes {@code len} bytes of {@code data} starting at {@code off}. */
  BlockId hash(byte[] data, int off, int len);

  /** Hashes all of {@code data}. */
  default BlockId hash(byte[] data) {
    return hash(data, 0, data.length);
  }
}
