package io.chunkstore;

import io.chunkstore.chunking.Chunkers;
import io.chunkstore.compress.Codecs;
import io.chunkstore.hashing.Hashers;

/**
 * The settings a store is created with and keeps for life, persisted in {@code chunkstore.json}:
 * they decide the bytes of every block id and pack, so a store always reads back with them.
 *
 * <p>Immutable; start from {@link #defaults()} and change what you need with the {@code with}
 * methods. Every setting is checked when the store is created.
 *
 * @param chunker the chunker spec, e.g. {@code fastcdc:16K:64K:256K} or {@code fixed:64K}
 * @param hash the block hash, {@code blake3} or {@code sha256}
 * @param compression the codec spec for new frames, e.g. {@code zstd:3} or {@code none}
 * @param packSize the size at which a super-chunk is sealed, in bytes
 * @param frameSize target size of a frame that holds several small blocks compressed together;
 *     blocks of at least half this size get a frame of their own; 0 puts every block alone
 * @param backend where packs go, a scheme of a {@link io.chunkstore.backend.BackendProvider}:
 *     {@code local} (STORE/packs) or {@code tahoe} (a Tahoe-LAFS grid, module tahoe-backend)
 */
public record StoreConfig(String chunker, String hash, String compression, long packSize, int frameSize,
    String backend) {

  /** Default pack size: 32 MiB, within the 16–64 MiB that keeps pack counts and upload sizes sane. */
  public static final long DEFAULT_PACK_SIZE = 32L << 20;
  /** Default shared-frame size; see benchmarks/FRAMES.md for the ratio/read-amplification trade. */
  public static final int DEFAULT_FRAME_SIZE = 128 << 10;

  /** The defaults: FastCDC 16K/64K/256K, SHA-256, zstd level 3, 32 MiB packs, 128 KiB frames, local disk. */
  public static StoreConfig defaults() {
    return new StoreConfig(Chunkers.DEFAULT_SPEC, Hashers.defaultHasher().name(), Codecs.DEFAULT_SPEC, DEFAULT_PACK_SIZE,
        DEFAULT_FRAME_SIZE, "local");
  }

  /** This config with another chunker spec. */
  public StoreConfig withChunker(String spec) {
    return new StoreConfig(spec, hash, compression, packSize, frameSize, backend);
  }

  /** This config with another hash. */
  public StoreConfig withHash(String name) {
    return new StoreConfig(chunker, name, compression, packSize, frameSize, backend);
  }

  /** This config with another compression spec. */
  public StoreConfig withCompression(String spec) {
    return new StoreConfig(chunker, hash, spec, packSize, frameSize, backend);
  }

  /** This config with another pack size. */
  public StoreConfig withPackSize(long bytes) {
    return new StoreConfig(chunker, hash, compression, bytes, frameSize, backend);
  }

  /** This config with another backend scheme. */
  public StoreConfig withBackend(String scheme) {
    return new StoreConfig(chunker, hash, compression, packSize, frameSize, scheme);
  }

  /** This config with another shared-frame size. */
  public StoreConfig withFrameSize(int bytes) {
    return new StoreConfig(chunker, hash, compression, packSize, bytes, backend);
  }

  /**
   * Checks every setting and returns this config with canonical specs.
   *
   * @throws IllegalArgumentException with one sentence naming the bad setting
   */
  public StoreConfig validated() {
    String c = Chunkers.parse(chunker).spec();
    String h = Hashers.byName(hash).name();
    String z = Codecs.parse(compression).spec();
    if (packSize < (1 << 20) || packSize > (1L << 30)) {
      throw new IllegalArgumentException("pack size must be between 1 MiB and 1 GiB, not " + packSize);
    }
    if (frameSize < 0 || frameSize > (4 << 20)) {
      throw new IllegalArgumentException("frame size must be between 0 and 4 MiB, not " + frameSize);
    }
    io.chunkstore.backend.Backends.provider(backend);
    return new StoreConfig(c, h, z, packSize, frameSize, backend);
  }
}
