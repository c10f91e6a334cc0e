package io.chunkstore.hashing;

import io.chunkstore.id.BlockId;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Objects;

/**
 * SHA-256 through the JDK's {@link MessageDigest}, whose compression function HotSpot replaces
 * with SHA-NI/AVX2 intrinsics; the choice for stores that must use a FIPS-approved hash.
 *
 * <p>Thread-safe: each thread reuses its own digest instance.
 */
public final class Sha256Hasher implements Hasher {
  /** The persisted name. */
  public static final String NAME = "sha256";

  private static final ThreadLocal<MessageDigest> DIGEST =
      ThreadLocal.withInitial(
          () -> {
            try {
              return MessageDigest.getInstance("SHA-256");
            } catch (NoSuchAlgorithmException e) {
              throw new IllegalStateException("every Java platform provides SHA-256", e);
            }
          });

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public BlockId hash(byte[] data, int off, int len) {
    Objects.checkFromIndexSize(off, len, data.length);
    MessageDigest md = DIGEST.get();
    md.update(data, off, len);
    return BlockId.wrap(md.digest()); // digest() also resets md for the next call
  }
}
