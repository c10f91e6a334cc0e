package io.chunkstore.hashing;

import io.chunkstore.id.BlockId;
import java.util.Objects;
import org.bouncycastle.crypto.digests.Blake3Digest;

/**
 * BLAKE3-256 through Bouncy Castle's {@link Blake3Digest}: the reference that {@link Blake3Hasher}
 * is tested and benchmarked against. It gives the same ids as {@code blake3}, only slower, so a
 * store may select it to rule out a fault in the fast implementation.
 *
 * <p>Thread-safe: each thread reuses its own digest instance.
 */
public final class BouncyCastleBlake3Hasher implements Hasher {
  /** The persisted name. */
  public static final String NAME = "blake3-bc";

  private static final ThreadLocal<Blake3Digest> DIGEST =
      ThreadLocal.withInitial(() -> new Blake3Digest(BlockId.LENGTH * 8));

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public BlockId hash(byte[] data, int off, int len) {
    Objects.checkFromIndexSize(off, len, data.length);
    Blake3Digest digest = DIGEST.get();
    digest.update(data, off, len);
    byte[] out = new byte[BlockId.LENGTH];
    digest.doFinal(out, 0); // also resets the digest for the next call
    return BlockId.wrap(out);
  }
}
