package io.chunkstore.hashing;

import io.chunkstore.id.BlockId;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Objects;

/**
 * SHA-256, the default hash of new stores: through OpenSSL's libcrypto where it loads ({@link
 * LibcryptoSha256}: full speed without waiting for the JIT), else through the JDK's {@link
 * MessageDigest}, whose compression function HotSpot's C2 replaces with SHA-NI/AVX2 intrinsics.
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

  private static final LibcryptoSha256 LIBCRYPTO = LibcryptoSha256.get();

  /** Which implementation hashes: OpenSSL's libcrypto where it loads, else the JDK's. */
  public static String implementation() {
    return LIBCRYPTO != null ? "libcrypto" : "jdk";
  }

  @Override
  public BlockId hash(byte[] data, int off, int len) {
    Objects.checkFromIndexSize(off, len, data.length);
    if (LIBCRYPTO != null) {
      return BlockId.wrap(LIBCRYPTO.digest(data, off, len));
    }
    return jdkHash(data, off, len);
  }

  /** The JDK's SHA-256 of the same bytes: what runs without libcrypto, and what tests compare with. */
  static BlockId jdkHash(byte[] data, int off, int len) {
    MessageDigest md = DIGEST.get();
    md.update(data, off, len);
    return BlockId.wrap(md.digest()); // digest() also resets md for the next call
  }
}
