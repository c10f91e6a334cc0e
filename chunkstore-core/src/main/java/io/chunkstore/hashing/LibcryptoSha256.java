package io.chunkstore.hashing;

import java.util.Arrays;
import jnr.ffi.LibraryLoader;
import jnr.ffi.Pointer;
import jnr.ffi.annotations.In;
import jnr.ffi.annotations.Out;
import jnr.ffi.annotations.Pinned;
import jnr.ffi.types.size_t;

/**
 * SHA-256 in OpenSSL's libcrypto, called through jnr-ffi (which the project has for FUSE already).
 * Its SHA-NI code runs at full speed from the first call (1.4 GB/s on the project's machine),
 * while the JDK's digest reaches the CPU's SHA instructions only once C2 has compiled it and runs
 * ~90 MB/s before: a short put, a fresh mount or any C1-only process would hash 10 times slower.
 * The digest is the same function, so a store may use either; where libcrypto cannot be loaded,
 * {@link #get()} is null and {@link Sha256Hasher} uses the JDK.
 */
final class LibcryptoSha256 {
  /** The one call used: {@code unsigned char *SHA256(const unsigned char *d, size_t n, unsigned char *md)}. */
  public interface Crypto {
    Pointer SHA256(@Pinned @In byte[] data, @size_t long length, @Pinned @Out byte[] digest);
  }

  private static final Crypto CRYPTO = load();

  private LibcryptoSha256() {}

  /** libcrypto, or null if this machine has none (or it cannot be loaded). */
  static Crypto get() {
    return CRYPTO;
  }

  /** SHA-256 of {@code len} bytes of {@code data} at {@code off}; {@code crypto} from {@link #get()}. */
  static byte[] digest(Crypto crypto, byte[] data, int off, int len) {
    // jnr-ffi passes an array from its start: a block at an offset (in a shared frame) is copied
    byte[] from = off == 0 ? data : Arrays.copyOfRange(data, off, off + len);
    byte[] md = new byte[32];
    crypto.SHA256(from, len, md);
    return md;
  }

  private static Crypto load() {
    if (Boolean.getBoolean("chunkstore.jdkSha256")) {
      return null; // asked for the JDK's digest
    }
    // OpenSSL 3's soname first (the runtime package has no unversioned libcrypto.so), then any
    for (String name : new String[] {"libcrypto.so.3", "crypto"}) {
      try {
        Crypto c = LibraryLoader.create(Crypto.class).failImmediately().load(name);
        // the known answer for "abc" (FIPS 180-2): a libcrypto that answers otherwise is not used
        byte[] abc = digest(c, "abc".getBytes(java.nio.charset.StandardCharsets.US_ASCII), 0, 3);
        if (java.util.HexFormat.of().formatHex(abc)
            .equals("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")) {
          return c;
        }
      } catch (LinkageError | RuntimeException e) {
        // not here: try the next name
      }
    }
    return null;
  }
}
