package io.chunkstore.hashing;

import com.kenai.jffi.ArrayFlags;
import com.kenai.jffi.CallingConvention;
import com.kenai.jffi.Function;
import com.kenai.jffi.HeapInvocationBuffer;
import com.kenai.jffi.Invoker;
import com.kenai.jffi.Library;
import com.kenai.jffi.Type;

/**
 * SHA-256 in OpenSSL's libcrypto. Its SHA-NI code runs at full speed from the first call (1.4 GB/s
 * on the project's machine), while the JDK's digest reaches the CPU's SHA instructions only once
 * C2 has compiled it and runs ~90 MB/s before: a short put, a fresh mount or any C1-only process
 * would hash 10 times slower. The digest is the same function, so a store may use either; where
 * libcrypto cannot be loaded, {@link #get()} is null and {@link Sha256Hasher} uses the JDK.
 *
 * <p>Called through jffi, the JNI stub under jnr-ffi, rather than jnr-ffi's interface binding:
 * that one generates its glue class with ASM at load, 0.13 s of every short command's start-up for
 * one function. jffi also passes an array slice in place, so a block inside a shared frame is
 * hashed where it lies.
 */
final class LibcryptoSha256 {
  private static final LibcryptoSha256 INSTANCE = load();
  private static final int IN = ArrayFlags.IN | ArrayFlags.PINNED;
  private static final int OUT = ArrayFlags.OUT | ArrayFlags.PINNED;

  /** Held for as long as {@link #sha256} may be called: jffi may unload a library nothing holds. */
  private final Library library;
  /** {@code unsigned char *SHA256(const unsigned char *d, size_t n, unsigned char *md)}. */
  private final Function sha256;

  private LibcryptoSha256(Library library, Function sha256) {
    this.library = library;
    this.sha256 = sha256;
  }

  /** libcrypto's SHA-256, or null if this machine has none (or it cannot be loaded). */
  static LibcryptoSha256 get() {
    return INSTANCE;
  }

  /** SHA-256 of {@code len} bytes of {@code data} at {@code off}. */
  byte[] digest(byte[] data, int off, int len) {
    java.util.Objects.checkFromIndexSize(off, len, data.length); // a pinned array is not checked natively
    byte[] md = new byte[32];
    HeapInvocationBuffer call = new HeapInvocationBuffer(sha256);
    call.putArray(data, off, len, IN);
    call.putLong(len);
    call.putArray(md, 0, md.length, OUT);
    Invoker.getInstance().invokeAddress(sha256, call);
    return md;
  }

  private static LibcryptoSha256 load() {
    if (Boolean.getBoolean("chunkstore.jdkSha256")) {
      return null; // asked for the JDK's digest
    }
    // the runtime packages' sonames (they have no unversioned libcrypto.so): OpenSSL 3, then 1.1
    for (String name : new String[] {"libcrypto.so.3", "libcrypto.so.1.1", "libcrypto.so"}) {
      try {
        Library lib = Library.getCachedInstance(name, Library.LAZY | Library.LOCAL);
        long address = lib == null ? 0 : lib.getSymbolAddress("SHA256");
        if (address == 0) {
          continue;
        }
        LibcryptoSha256 c = new LibcryptoSha256(lib, new Function(address, Type.POINTER,
            new Type[] {Type.POINTER, Type.ULONG, Type.POINTER}, CallingConvention.DEFAULT, false));
        // the known answer for "abc" (FIPS 180-2): a libcrypto that answers otherwise is not used
        byte[] abc = c.digest("abc".getBytes(java.nio.charset.StandardCharsets.US_ASCII), 0, 3);
        if (java.util.HexFormat.of().formatHex(abc)
            .equals("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")) {
          return c;
        }
      } catch (LinkageError | RuntimeException e) {
        // no jffi stub for this platform, or no such library: try the next name, then the JDK
      }
    }
    return null;
  }
}
