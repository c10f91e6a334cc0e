package io.chunkstore.tahoe;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.chunkstore.ChunkStore;
import io.chunkstore.StoreConfig;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.Stream;

/** Helpers for tests of whole stores on a {@link TahoeGrid}: stores, content, digests. */
public final class GridStores {
  private GridStores() {}

  /** Creates a Tahoe-backed store with packs of {@code packSize} on {@code grid} and closes it. */
  public static void create(Path dir, TahoeGrid grid, long packSize) throws IOException {
    ChunkStore.create(dir, StoreConfig.defaults().withBackend("tahoe").withPackSize(packSize),
        grid.clientUrl().toString()).close();
  }

  /** Opens a store with a small block cache, so that reads reach the backend, and backend options. */
  public static ChunkStore open(Path dir, Map<String, String> backendOptions) throws IOException {
    return ChunkStore.open(dir, new ChunkStore.Options(1 << 20, 2, 64L << 20, backendOptions));
  }

  /** {@code length} pseudo-random, incompressible bytes of {@code seed}, as a stream. */
  public static InputStream content(long length, long seed) {
    return new InputStream() {
      final SplittableRandom r = new SplittableRandom(seed);
      long left = length;

      @Override
      public int read() {
        byte[] b = new byte[1];
        return read(b, 0, 1) < 0 ? -1 : b[0] & 0xff;
      }

      @Override
      public int read(byte[] b, int off, int len) {
        if (left == 0) {
          return -1;
        }
        int n = (int) Math.min(len, left);
        for (int i = 0; i < n; i++) {
          b[off + i] = (byte) r.nextInt(256);
        }
        left -= n;
        return n;
      }
    };
  }

  /**
   * {@code length} bytes that repeat {@link #content}{@code (period, seed)}: a large file that
   * dedup stores at the cost of one period.
   */
  public static InputStream repeating(long length, long seed, int period) {
    return new InputStream() {
      InputStream cur = content(period, seed);
      long left = length;

      @Override
      public int read() throws java.io.IOException {
        byte[] b = new byte[1];
        return read(b, 0, 1) < 0 ? -1 : b[0] & 0xff;
      }

      @Override
      public int read(byte[] b, int off, int len) throws java.io.IOException {
        if (left == 0) {
          return -1;
        }
        int n = cur.read(b, off, (int) Math.min(len, left));
        if (n < 0) {
          cur = content(period, seed);
          n = cur.read(b, off, (int) Math.min(len, left));
        }
        left -= n;
        return n;
      }
    };
  }

  /** The SHA-256 of everything {@code in} holds, in hex; closes it. */
  public static String sha256(InputStream in) throws IOException {
    try (DigestInputStream d = new DigestInputStream(in, MessageDigest.getInstance("SHA-256"))) {
      d.transferTo(OutputStream.nullOutputStream());
      return HexFormat.of().formatHex(d.getMessageDigest().digest());
    } catch (NoSuchAlgorithmException e) {
      throw new AssertionError(e);
    }
  }

  /** The SHA-256 of {@link #content}. */
  public static String sha256(long length, long seed) throws IOException {
    return sha256(content(length, seed));
  }

  /** Asserts that {@code path} in the store holds {@link #content}{@code (length, seed)}. */
  public static void assertContent(ChunkStore s, String path, long length, long seed) throws IOException {
    assertEquals(length, s.stat(path).size(), path + ": size");
    assertEquals(sha256(length, seed), sha256(s.newInputStream(path)), path + ": content");
  }

  /** The bytes of the files under {@code dir}. */
  public static long du(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return 0;
    }
    try (Stream<Path> s = Files.walk(dir)) {
      return s.filter(Files::isRegularFile).mapToLong(p -> {
        try {
          return Files.size(p);
        } catch (IOException gone) {
          return 0;
        }
      }).sum();
    }
  }

  /** How many files are directly in {@code dir}. */
  public static long count(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return 0;
    }
    try (Stream<Path> s = Files.list(dir)) {
      return s.count();
    }
  }

  /** Deletes {@code dir} and everything in it. */
  public static void deleteTree(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> s = Files.walk(dir)) {
      for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
  }
}
