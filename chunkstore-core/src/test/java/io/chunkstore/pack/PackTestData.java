package io.chunkstore.pack;

import io.chunkstore.id.BlockId;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Random;

/** Block contents and ids for pack tests. */
final class PackTestData {
  private static final String[] WORDS = {
    "super", "chunk", "frame", "block", "dedup", "store", "tahoe", "index", "the", "a", "of", "pack"
  };

  private PackTestData() {}

  static BlockId idOf(byte[] data) {
    try {
      return BlockId.wrap(MessageDigest.getInstance("SHA-256").digest(data));
    } catch (NoSuchAlgorithmException e) {
      throw new AssertionError(e);
    }
  }

  /** Text-like bytes that deflate well. */
  static byte[] compressible(Random r, int size) {
    StringBuilder sb = new StringBuilder(size + 16);
    while (sb.length() < size) {
      sb.append(WORDS[r.nextInt(WORDS.length)]).append(r.nextInt(4) == 0 ? '\n' : ' ');
    }
    return sb.substring(0, size).getBytes();
  }

  /** Random bytes that do not compress. */
  static byte[] incompressible(Random r, int size) {
    byte[] b = new byte[size];
    r.nextBytes(b);
    return b;
  }
}
