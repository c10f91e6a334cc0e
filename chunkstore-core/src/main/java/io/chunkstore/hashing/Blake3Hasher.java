package io.chunkstore.hashing;

import io.chunkstore.id.BlockId;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.Objects;

/**
 * BLAKE3-256 in pure Java, several times faster than Bouncy Castle's {@code Blake3Digest}.
 *
 * <p>Hashing is the per-byte cost every stored block pays, so this class trades readability for
 * speed: the compression function keeps the whole state and message in local variables, its seven
 * rounds are fully unrolled with the message permutation applied by renaming, words are read
 * straight from the input through a little-endian {@link VarHandle}, and whole 1 KiB chunks are
 * compressed without copying or allocating. The output equals the reference implementation's for
 * every input (see the tests, which compare with Bouncy Castle and the official test vectors).
 *
 * <p>Stateless and thread-safe: each call keeps its chaining-value stack in a small local array.
 * Only the unkeyed 32-byte hash mode is implemented.
 */
public final class Blake3Hasher implements Hasher {
  /** The persisted name. */
  public static final String NAME = "blake3";

  private static final VarHandle LE =
      MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);

  private static final int CHUNK_LEN = 1024;
  private static final int BLOCK_LEN = 64;

  private static final int CHUNK_START = 1;
  private static final int CHUNK_END = 2;
  private static final int PARENT = 4;
  private static final int ROOT = 8;

  private static final int IV0 = 0x6A09E667;
  private static final int IV1 = 0xBB67AE85;
  private static final int IV2 = 0x3C6EF372;
  private static final int IV3 = 0xA54FF53A;
  private static final int IV4 = 0x510E527F;
  private static final int IV5 = 0x9B05688C;
  private static final int IV6 = 0x1F83D9AB;
  private static final int IV7 = 0x5BE0CD19;

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public BlockId hash(byte[] data, int off, int len) {
    Objects.checkFromIndexSize(off, len, data.length);
    int chunks = len == 0 ? 1 : (int) (((long) len + CHUNK_LEN - 1) / CHUNK_LEN);
    // Chaining values, 8 words each: at most one per bit of the chunk count, plus the newest.
    int[] stack = new int[8 * (33 - Integer.numberOfLeadingZeros(chunks))];
    int depth = 0;
    int p = off;
    for (int c = 0; c < chunks - 1; c++, p += CHUNK_LEN) {
      fullChunk(data, p, c, 0, stack, depth << 3);
      depth++;
      // Merge every subtree this chunk completes; never the root, since more input follows.
      for (int done = c + 1; (done & 1) == 0; done >>>= 1) {
        depth--;
        parent(stack, (depth - 1) << 3, 0);
      }
    }
    int rest = len - (chunks - 1) * CHUNK_LEN;
    int rootFlag = depth == 0 ? ROOT : 0;
    if (rest == CHUNK_LEN) {
      fullChunk(data, p, chunks - 1, rootFlag, stack, depth << 3);
    } else {
      lastChunk(data, p, rest, chunks - 1, rootFlag, stack, depth << 3);
    }
    while (depth > 0) {
      depth--;
      parent(stack, depth << 3, depth == 0 ? ROOT : 0);
    }
    byte[] out = new byte[BlockId.LENGTH];
    for (int i = 0; i < 8; i++) {
      LE.set(out, i << 2, stack[i]);
    }
    return BlockId.wrap(out);
  }

  /**
   * Compresses the 16 blocks of the full chunk at {@code in[p..p+1024)} and writes its chaining
   * value to {@code out[outOff..outOff+8)}. {@code lastFlags} is ORed into the final block's
   * flags (ROOT when the chunk is the whole input).
   */
  private static void fullChunk(
      byte[] in, int p, long counter, int lastFlags, int[] out, int outOff) {
    Objects.checkFromIndexSize(p, CHUNK_LEN, in.length);
    int h0 = IV0, h1 = IV1, h2 = IV2, h3 = IV3, h4 = IV4, h5 = IV5, h6 = IV6, h7 = IV7;
    int lo = (int) counter;
    int hi = (int) (counter >>> 32);
    int end = p + CHUNK_LEN;
    for (int flags = CHUNK_START; p < end; p += BLOCK_LEN) {
      if (p + BLOCK_LEN == end) {
        flags |= CHUNK_END | lastFlags;
      }
      int m0 = (int) LE.get(in, p);
      int m1 = (int) LE.get(in, p + 4);
      int m2 = (int) LE.get(in, p + 8);
      int m3 = (int) LE.get(in, p + 12);
      int m4 = (int) LE.get(in, p + 16);
      int m5 = (int) LE.get(in, p + 20);
      int m6 = (int) LE.get(in, p + 24);
      int m7 = (int) LE.get(in, p + 28);
      int m8 = (int) LE.get(in, p + 32);
      int m9 = (int) LE.get(in, p + 36);
      int m10 = (int) LE.get(in, p + 40);
      int m11 = (int) LE.get(in, p + 44);
      int m12 = (int) LE.get(in, p + 48);
      int m13 = (int) LE.get(in, p + 52);
      int m14 = (int) LE.get(in, p + 56);
      int m15 = (int) LE.get(in, p + 60);
      int v0 = h0; int v1 = h1; int v2 = h2; int v3 = h3;
      int v4 = h4; int v5 = h5; int v6 = h6; int v7 = h7;
      int v8 = IV0; int v9 = IV1; int v10 = IV2; int v11 = IV3;
      int v12 = lo; int v13 = hi; int v14 = BLOCK_LEN; int v15 = flags;
      // round 1
      v0 += v4 + m0; v12 = Integer.rotateRight(v12 ^ v0, 16);
      v8 += v12; v4 = Integer.rotateRight(v4 ^ v8, 12);
      v0 += v4 + m1; v12 = Integer.rotateRight(v12 ^ v0, 8);
      v8 += v12; v4 = Integer.rotateRight(v4 ^ v8, 7);
      v1 += v5 + m2; v13 = Integer.rotateRight(v13 ^ v1, 16);
      v9 += v13; v5 = Integer.rotateRight(v5 ^ v9, 12);
      v1 += v5 + m3; v13 = Integer.rotateRight(v13 ^ v1, 8);
      v9 += v13; v5 = Integer.rotateRight(v5 ^ v9, 7);
      v2 += v6 + m4; v14 = Integer.rotateRight(v14 ^ v2, 16);
      v10 += v14; v6 = Integer.rotateRight(v6 ^ v10, 12);
      v2 += v6 + m5; v14 = Integer.rotateRight(v14 ^ v2, 8);
      v10 += v14; v6 = Integer.rotateRight(v6 ^ v10, 7);
      v3 += v7 + m6; v15 = Integer.rotateRight(v15 ^ v3, 16);
      v11 += v15; v7 = Integer.rotateRight(v7 ^ v11, 12);
      v3 += v7 + m7; v15 = Integer.rotateRight(v15 ^ v3, 8);
      v11 += v15; v7 = Integer.rotateRight(v7 ^ v11, 7);
      v0 += v5 + m8; v15 = Integer.rotateRight(v15 ^ v0, 16);
      v10 += v15; v5 = Integer.rotateRight(v5 ^ v10, 12);
      v0 += v5 + m9; v15 = Integer.rotateRight(v15 ^ v0, 8);
      v10 += v15; v5 = Integer.rotateRight(v5 ^ v10, 7);
      v1 += v6 + m10; v12 = Integer.rotateRight(v12 ^ v1, 16);
      v11 += v12; v6 = Integer.rotateRight(v6 ^ v11, 12);
      v1 += v6 + m11; v12 = Integer.rotateRight(v12 ^ v1, 8);
      v11 += v12; v6 = Integer.rotateRight(v6 ^ v11, 7);
      v2 += v7 + m12; v13 = Integer.rotateRight(v13 ^ v2, 16);
      v8 += v13; v7 = Integer.rotateRight(v7 ^ v8, 12);
      v2 += v7 + m13; v13 = Integer.rotateRight(v13 ^ v2, 8);
      v8 += v13; v7 = Integer.rotateRight(v7 ^ v8, 7);
      v3 += v4 + m14; v14 = Integer.rotateRight(v14 ^ v3, 16);
      v9 += v14; v4 = Integer.rotateRight(v4 ^ v9, 12);
      v3 += v4 + m15; v14 = Integer.rotateRight(v14 ^ v3, 8);
      v9 += v14; v4 = Integer.rotateRight(v4 ^ v9, 7);
      // round 2
      v0 += v4 + m2; v12 = Integer.rotateRight(v12 ^ v0, 16);
      v8 += v12; v4 = Integer.rotateRight(v4 ^ v8, 12);
      v0 += v4 + m6; v12 = Integer.rotateRight(v12 ^ v0, 8);
      v8 += v12; v4 = Integer.rotateRight(v4 ^ v8, 7);
      v1 += v5 + m3; v13 = Integer.rotateRight(v13 ^ v1, 16);
      v9 += v13; v5 = Integer.rotateRight(v5 ^ v9, 12);
      v1 += v5 + m10; v13 = Integer.rotateRight(v13 ^ v1, 8);
      v9 += v13; v5 = Integer.rotateRight(v5 ^ v9, 7);
      v2 += v6 + m7; v14 = Integer.rotateRight(v14 ^ v2, 16);
      v10 += v14; v6 = Integer.rotateRight(v6 ^ v10, 12);
      v2 += v6 + m0; v14 = Integer.rotateRight(v14 ^ v2, 8);
      v10 += v14; v6 = Integer.rotateRight(v6 ^ v10, 7);
      v3 += v7 + m4; v15 = Integer.rotateRight(v15 ^ v3, 16);
      v11 += v15; v7 = Integer.rotateRight(v7 ^ v11, 12);
      v3 += v7 + m13; v15 = Integer.rotateRight(v15 ^ v3, 8);
      v11 += v15; v7 = Integer.rotateRight(v7 ^ v11, 7);
      v0 += v5 + m1; v15 = Integer.rotateRight(v15 ^ v0, 16);
      v10 += v15; v5 = Integer.rotateRight(v5 ^ v10, 12);
      v0 += v5 + m11; v15 = Integer.rotateRight(v15 ^ v0, 8);
      v10 += v15; v5 = Integer.rotateRight(v5 ^ v10, 7);
      v1 += v6 + m12; v12 = Integer.rotateRight(v12 ^ v1, 16);
      v11 += v12; v6 = Integer.rotateRight(v6 ^ v11, 12);
      v1 += v6 + m5; v12 = Integer.rotateRight(v12 ^ v1, 8);
      v11 += v12; v6 = Integer.rotateRight(v6 ^ v11, 7);
      v2 += v7 + m9; v13 = Integer.rotateRight(v13 ^ v2, 16);
      v8 += v13; v7 = Integer.rotateRight(v7 ^ v8, 12);
      v2 += v7 + m14; v13 = Integer.rotateRight(v13 ^ v2, 8);
      v8 += v13; v7 = Integer.rotateRight(v7 ^ v8, 7);
      v3 += v4 + m15; v14 = Integer.rotateRight(v14 ^ v3, 16);
      v9 += v14; v4 = Integer.rotateRight(v4 ^ v9, 12);
      v3 += v4 + m8; v14 = Integer.rotateRight(v14 ^ v3, 8);
      v9 += v14; v4 = Integer.rotateRight(v4 ^ v9, 7);
      // round 3
      v0 += v4 + m3; v12 = Integer.rotateRight(v12 ^ v0, 16);
      v8 += v12; v4 = Integer.rotateRight(v4 ^ v8, 12);
      v0 += v4 + m4; v12 = Integer.rotateRight(v12 ^ v0, 8);
      v8 += v12; v4 = Integer.rotateRight(v4 ^ v8, 7);
      v1 += v5 + m10; v13 = Integer.rotateRight(v13 ^ v1, 16);
      v9 += v13; v5 = Integer.rotateRight(v5 ^ v9, 12);
      v1 += v5 + m12; v13 = Integer.rotateRight(v13 ^ v1, 8);
      v9 += v13; v5 = Integer.rotateRight(v5 ^ v9, 7);
      v2 += v6 + m13; v14 = Integer.rotateRight(v14 ^ v2, 16);
      v10 += v14; v6 = Integer.rotateRight(v6 ^ v10, 12);
      v2 += v6 + m2; v14 = Integer.rotateRight(v14 ^ v2, 8);
      v10 += v14; v6 = Integer.rotateRight(v6 ^ v10, 7);
      v3 += v7 + m7; v15 = Integer.rotateRight(v15 ^ v3, 16);
      v11 += v15; v7 = Integer.rotateRight(v7 ^ v11, 12);
      v3 += v7 + m14; v15 = Integer.rotateRight(v15 ^ v3, 8);
      v11 += v15; v7 = Integer.rotateRight(v7 ^ v11, 7);
      v0 += v5 + m6; v15 = Integer.rotateRight(v15 ^ v0, 16);
      v10 += v15; v5 = Integer.rotateRight(v5 ^ v10, 12);
      v0 += v5 + m5; v15 = Integer.rotateRight(v15 ^ v0, 8);
      v10 += v15; v5 = Integer.rotateRight(v5 ^ v10, 7);
      v1 += v6 + m9; v12 = Integer.rotateRight(v12 ^ v1, 16);
      v11 += v12; v6 = Integer.rotateRight(v6 ^ v11, 12);
      v1 += v6 + m0; v12 = Integer.rotateRight(v12 ^ v1, 8);
      v11 += v12; v6 = Integer.rotateRight(v6 ^ v11, 7);
      v2 += v7 + m11; v13 = Integer.rotateRight(v13 ^ v2, 16);
      v8 += v13; v7 = Integer.rotateRight(v7 ^ v8, 12);
      v2 += v7 + m15; v13 = Integer.rotateRight(v13 ^ v2, 8);
      v8 += v13; v7 = Integer.rotateRight(v7 ^ v8, 7);
      v3 += v4 + m8; v14 = Integer.rotateRight(v14 ^ v3, 16);
      v9 += v14; v4 = Integer.rotateRight(v4 ^ v9, 12);
      v3 += v4 + m1; v14 = Integer.rotateRight(v14 ^ v3, 8);
      v9 += v14; v4 = Integer.rotateRight(v4 ^ v9, 7);
      // round 4
      v0 += v4 + m10; v12 = Integer.rotateRight(v12 ^ v0, 16);
      v8 += v12; v4 = Integer.rotateRight(v4 ^ v8, 12);
      v0 += v4 + m7; v12 = Integer.rotateRight(v12 ^ v0, 8);
      v8 += v12; v4 = Integer.rotateRight(v4 ^ v8, 7);
      v1 += v5 + m12; v13 = Integer.rotateRight(v13 ^ v1, 16);
      v9 += v13; v5 = Integer.rotateRight(v5 ^ v9, 12);
      v1 += v5 + m9; v13 = Integer.rotateRight(v13 ^ v1, 8);
      v9 += v13; v5 = Integer.rotateRight(v5 ^ v9, 7);
      v2 += v6 + m14; v14 = Integer.rotateRight(v14 ^ v2, 16);
      v10 += v14; v6 = Integer.rotateRight(v6 ^ v10, 12);
      v2 += v6 + m3; v14 = Integer.rotateRight(v14 ^ v2, 8);
      v10 += v14; v6 = Integer.rotateRight(v6 ^ v10, 7);
      v3 += v7 + m13; v15 = Integer.rotateRight(v15 ^ v3, 16);
      v11 += v15; v7 = Integer.rotateRight(v7 ^ v11, 12);
      v3 += v7 + m15; v15 = Integer.rotateRight(v15 ^ v3, 8);
      v11 += v15; v7 = Integer.rotateRight(v7 ^ v11, 7);
      v0 += v5 + m4; v15 = Integer.rotateRight(v15 ^ v0, 16);
      v10 += v15; v5 = Integer.rotateRight(v5 ^ v10, 12);
      v0 += v5 + m0; v15 = Integer.rotateRight(v15 ^ v0, 8);
      v10 += v15; v5 = Integer.rotateRight(v5 ^ v10, 7);
      v1 += v6 + m11; v12 = Integer.rotateRight(v12 ^ v1, 16);
      v11 += v12; v6 = Integer.rotateRight(v6 ^ v11, 12);
      v1 += v6 + m2; v12 = Integer.rotateRight(v12 ^ v1, 8);
      v11 += v12; v6 = Integer.rotateRight(v6 ^ v11, 7);
      v2 += v7 + m5; v13 = Integer.rotateRight(v13 ^ v2, 16);
      v8 += v13; v7 = Integer.rotateRight(v7 ^ v8, 12);
      v2 += v7 + m8; v13 = Integer.rotateRight(v13 ^ v2, 8);
      v8 += v13; v7 = Integer.rotateRight(v7 ^ v8, 7);
      v3 += v4 + m1; v14 = Integer.rotateRight(v14 ^ v3, 16);
      v9 += v14; v4 = Integer.rotateRight(v4 ^ v9, 12);
      v3 += v4 + m6; v14 = Integer.rotateRight(v14 ^ v3, 8);
      v9 += v14; v4 = Integer.rotateRight(v4 ^ v9, 7);
      // round 5
      v0 += v4 + m12; v12 = Integer.rotateRight(v12 ^ v0, 16);
      v8 += v12; v4 = Integer.rotateRight(v4 ^ v8, 12);
      v0 += v4 + m13; v12 = Integer.rotateRight(v12 ^ v0, 8);
      v8 += v12; v4 = Integer.rotateRight(v4 ^ v8, 7);
      v1 += v5 + m9; v13 = Integer.rotateRight(v13 ^ v1, 16);
      v9 += v13; v5 = Integer.rotateRight(v5 ^ v9, 12);
      v1 += v5 + m11; v13 = Integer.rotateRight(v13 ^ v1, 8);
      v9 += v13; v5 = Integer.rotateRight(v5 ^ v9, 7);
      v2 += v6 + m15; v14 = Integer.rotateRight(v14 ^ v2, 16);
      v10 += v14; v6 = Integer.rotateRight(v6 ^ v10, 12);
      v2 += v6 + m10; v14 = Integer.rotateRight(v14 ^ v2, 8);
      v10 += v14; v6 = Integer.rotateRight(v6 ^ v10, 7);
      v3 += v7 + m14; v15 = Integer.rotateRight(v15 ^ v3, 16);
      v11 += v15; v7 = Integer.rotateRight(v7 ^ v11, 12);
      v3 += v7 + m8; v15 = Integer.rotateRight(v15 ^ v3, 8);
      v11 += v15; v7 = Integer.rotateRight(v7 ^ v11, 7);
      v0 += v5 + m7; v15 = Integer.rotateRight(v15 ^ v0, 16);
      v10 += v15; v5 = Integer.rotateRight(v5 ^ v10, 12);
      v0 += v5 + m2; v15 = Integer.rotateRight(v15 ^ v0, 8);
      v10 += v15; v5 = Integer.rotateRight(v5 ^ v10, 7);
      v1 += v6 + m5; v12 = Integer.rotateRight(v12 ^ v1, 16);
      v11 += v12; v6 = Integer.rotateRight(v6 ^ v11, 12);
      v1 += v6 + m3; v12 = Integer.rotateRight(v12 ^ v1, 8);
      v11 += v12; v6 = Integer.rotateRight(v6 ^ v11, 7);
      v2 += v7 + m0; v13 = Integer.rotateRight(v13 ^ v2, 16);
      v8 += v13; v7 = Integer.rotateRight(v7 ^ v8, 12);
      v2 += v7 + m1; v13 = Integer.rotateRight(v13 ^ v2, 8);
      v8 += v13; v7 = Integer.rotateRight(v7 ^ v8, 7);
      v3 += v4 + m6; v14 = Integer.rotateRight(v14 ^ v3, 16);
      v9 += v14; v4 = Integer.rotateRight(v4 ^ v9, 12);
      v3 += v4 + m4; v14 = Integer.rotateRight(v14 ^ v3, 8);
      v9 += v14; v4 = Integer.rotateRight(v4 ^ v9, 7);
      // round 6
      v0 += v4 + m9; v12 = Integer.rotateRight(v12 ^ v0, 16);
      v8 += v12; v4 = Integer.rotateRight(v4 ^ v8, 12);
      v0 += v4 + m14; v12 = Integer.rotateRight(v12 ^ v0, 8);
      v8 += v12; v4 = Integer.rotateRight(v4 ^ v8, 7);
      v1 += v5 + m11; v13 = Integer.rotateRight(v13 ^ v1, 16);
      v9 += v13; v5 = Integer.rotateRight(v5 ^ v9, 12);
      v1 += v5 + m5; v13 = Integer.rotateRight(v13 ^ v1, 8);
      v9 += v13; v5 = Integer.rotateRight(v5 ^ v9, 7);
      v2 += v6 + m8; v14 = Integer.rotateRight(v14 ^ v2, 16);
      v10 += v14; v6 = Integer.rotateRight(v6 ^ v10, 12);
      v2 += v6 + m12; v14 = Integer.rotateRight(v14 ^ v2, 8);
      v10 += v14; v6 = Integer.rotateRight(v6 ^ v10, 7);
      v3 += v7 + m15; v15 = Integer.rotateRight(v15 ^ v3, 16);
      v11 += v15; v7 = Integer.rotateRight(v7 ^ v11, 12);
      v3 += v7 + m1; v15 = Integer.rotateRight(v15 ^ v3, 8);
      v11 += v15; v7 = Integer.rotateRight(v7 ^ v11, 7);
      v0 += v5 + m13; v15 = Integer.rotateRight(v15 ^ v0, 16);
      v10 += v15; v5 = Integer.rotateRight(v5 ^ v10, 12);
      v0 += v5 + m3; v15 = Integer.rotateRight(v15 ^ v0, 8);
      v10 += v15; v5 = Integer.rotateRight(v5 ^ v10, 7);
      v1 += v6 + m0; v12 = Integer.rotateRight(v12 ^ v1, 16);
      v11 += v12; v6 = Integer.rotateRight(v6 ^ v11, 12);
      v1 += v6 + m10; v12 = Integer.rotateRight(v12 ^ v1, 8);
      v11 += v12; v6 = Integer.rotateRight(v6 ^ v11, 7);
      v2 += v7 + m2; v13 = Integer.rotateRight(v13 ^ v2, 16);
      v8 += v13; v7 = Integer.rotateRight(v7 ^ v8, 12);
      v2 += v7 + m6; v13 = Integer.rotateRight(v13 ^ v2, 8);
      v8 += v13; v7 = Integer.rotateRight(v7 ^ v8, 7);
      v3 += v4 + m4; v14 = Integer.rotateRight(v14 ^ v3, 16);
      v9 += v14; v4 = Integer.rotateRight(v4 ^ v9, 12);
      v3 += v4 + m7; v14 = Integer.rotateRight(v14 ^ v3, 8);
      v9 += v14; v4 = Integer.rotateRight(v4 ^ v9, 7);
      // round 7
      v0 += v4 + m11; v12 = Integer.rotateRight(v12 ^ v0, 16);
      v8 += v12; v4 = Integer.rotateRight(v4 ^ v8, 12);
      v0 += v4 + m15; v12 = Integer.rotateRight(v12 ^ v0, 8);
      v8 += v12; v4 = Integer.rotateRight(v4 ^ v8, 7);
      v1 += v5 + m5; v13 = Integer.rotateRight(v13 ^ v1, 16);
      v9 += v13; v5 = Integer.rotateRight(v5 ^ v9, 12);
      v1 += v5 + m0; v13 = Integer.rotateRight(v13 ^ v1, 8);
      v9 += v13; v5 = Integer.rotateRight(v5 ^ v9, 7);
      v2 += v6 + m1; v14 = Integer.rotateRight(v14 ^ v2, 16);
      v10 += v14; v6 = Integer.rotateRight(v6 ^ v10, 12);
      v2 += v6 + m9; v14 = Integer.rotateRight(v14 ^ v2, 8);
      v10 += v14; v6 = Integer.rotateRight(v6 ^ v10, 7);
      v3 += v7 + m8; v15 = Integer.rotateRight(v15 ^ v3, 16);
      v11 += v15; v7 = Integer.rotateRight(v7 ^ v11, 12);
      v3 += v7 + m6; v15 = Integer.rotateRight(v15 ^ v3, 8);
      v11 += v15; v7 = Integer.rotateRight(v7 ^ v11, 7);
      v0 += v5 + m14; v15 = Integer.rotateRight(v15 ^ v0, 16);
      v10 += v15; v5 = Integer.rotateRight(v5 ^ v10, 12);
      v0 += v5 + m10; v15 = Integer.rotateRight(v15 ^ v0, 8);
      v10 += v15; v5 = Integer.rotateRight(v5 ^ v10, 7);
      v1 += v6 + m2; v12 = Integer.rotateRight(v12 ^ v1, 16);
      v11 += v12; v6 = Integer.rotateRight(v6 ^ v11, 12);
      v1 += v6 + m12; v12 = Integer.rotateRight(v12 ^ v1, 8);
      v11 += v12; v6 = Integer.rotateRight(v6 ^ v11, 7);
      v2 += v7 + m3; v13 = Integer.rotateRight(v13 ^ v2, 16);
      v8 += v13; v7 = Integer.rotateRight(v7 ^ v8, 12);
      v2 += v7 + m4; v13 = Integer.rotateRight(v13 ^ v2, 8);
      v8 += v13; v7 = Integer.rotateRight(v7 ^ v8, 7);
      v3 += v4 + m7; v14 = Integer.rotateRight(v14 ^ v3, 16);
      v9 += v14; v4 = Integer.rotateRight(v4 ^ v9, 12);
      v3 += v4 + m13; v14 = Integer.rotateRight(v14 ^ v3, 8);
      v9 += v14; v4 = Integer.rotateRight(v4 ^ v9, 7);
      h0 = v0 ^ v8; h1 = v1 ^ v9; h2 = v2 ^ v10; h3 = v3 ^ v11;
      h4 = v4 ^ v12; h5 = v5 ^ v13; h6 = v6 ^ v14; h7 = v7 ^ v15;
      flags = 0;
    }
    out[outOff] = h0;
    out[outOff + 1] = h1;
    out[outOff + 2] = h2;
    out[outOff + 3] = h3;
    out[outOff + 4] = h4;
    out[outOff + 5] = h5;
    out[outOff + 6] = h6;
    out[outOff + 7] = h7;
  }

  /**
   * Compresses the final, shorter chunk of {@code len < 1024} bytes at {@code in[p..p+len)}
   * (possibly empty) and writes its chaining value to {@code cv[cvOff..cvOff+8)}.
   */
  private static void lastChunk(
      byte[] in, int p, int len, long counter, int lastFlags, int[] cv, int cvOff) {
    cv[cvOff] = IV0;
    cv[cvOff + 1] = IV1;
    cv[cvOff + 2] = IV2;
    cv[cvOff + 3] = IV3;
    cv[cvOff + 4] = IV4;
    cv[cvOff + 5] = IV5;
    cv[cvOff + 6] = IV6;
    cv[cvOff + 7] = IV7;
    int flags = CHUNK_START;
    for (; len > BLOCK_LEN; len -= BLOCK_LEN, p += BLOCK_LEN) {
      compress(cv, cvOff, in, p, counter, BLOCK_LEN, flags);
      flags = 0;
    }
    byte[] block = in;
    int blockOff = p;
    if (len < BLOCK_LEN) {
      block = new byte[BLOCK_LEN];
      blockOff = 0;
      System.arraycopy(in, p, block, 0, len);
    }
    compress(cv, cvOff, block, blockOff, counter, len, flags | CHUNK_END | lastFlags);
  }

  /**
   * One compression of the 64-byte block at {@code m[mOff..)} into the chaining value at
   * {@code cv[cvOff..cvOff+8)}, updated in place.
   */
  private static void compress(
      int[] cv, int cvOff, byte[] m, int mOff, long counter, int blockLen, int flags) {
    int m0 = (int) LE.get(m, mOff);
    int m1 = (int) LE.get(m, mOff + 4);
    int m2 = (int) LE.get(m, mOff + 8);
    int m3 = (int) LE.get(m, mOff + 12);
    int m4 = (int) LE.get(m, mOff + 16);
    int m5 = (int) LE.get(m, mOff + 20);
    int m6 = (int) LE.get(m, mOff + 24);
    int m7 = (int) LE.get(m, mOff + 28);
    int m8 = (int) LE.get(m, mOff + 32);
    int m9 = (int) LE.get(m, mOff + 36);
    int m10 = (int) LE.get(m, mOff + 40);
    int m11 = (int) LE.get(m, mOff + 44);
    int m12 = (int) LE.get(m, mOff + 48);
    int m13 = (int) LE.get(m, mOff + 52);
    int m14 = (int) LE.get(m, mOff + 56);
    int m15 = (int) LE.get(m, mOff + 60);
    int h0 = cv[cvOff], h1 = cv[cvOff + 1], h2 = cv[cvOff + 2], h3 = cv[cvOff + 3];
    int h4 = cv[cvOff + 4], h5 = cv[cvOff + 5], h6 = cv[cvOff + 6], h7 = cv[cvOff + 7];
    int v0 = h0; int v1 = h1; int v2 = h2; int v3 = h3;
    int v4 = h4; int v5 = h5; int v6 = h6; int v7 = h7;
    int v8 = IV0; int v9 = IV1; int v10 = IV2; int v11 = IV3;
    int v12 = (int) counter; int v13 = (int) (counter >>> 32); int v14 = blockLen; int v15 = flags;
    // round 1
    v0 += v4 + m0; v12 = Integer.rotateRight(v12 ^ v0, 16);
    v8 += v12; v4 = Integer.rotateRight(v4 ^ v8, 12);
    v0 += v4 + m1; v12 = Integer.rotateRight(v12 ^ v0, 8);
    v8 += v12; v4 = Integer.rotateRight(v4 ^ v8, 7);
    v1 += v5 + m2; v13 = Integer.rotateRight(v13 ^ v1, 16);
    v9 += v13; v5 = Integer.rotateRight(v5 ^ v9, 12);
    v1 += v5 + m3; v13 = Integer.rotateRight(v13 ^ v1, 8);
    v9 += v13; v5 = Integer.rotateRight(v5 ^ v9, 7);
    v2 += v6 + m4; v14 = Integer.rotateRight(v14 ^ v2, 16);
    v10 += v14; v6 = Integer.rotateRight(v6 ^ v10, 12);
    v2 += v6 + m5; v14 = Integer.rotateRight(v14 ^ v2, 8);
    v10 += v14; v6 = Integer.rotateRight(v6 ^ v10, 7);
    v3 += v7 + m6; v15 = Integer.rotateRight(v15 ^ v3, 16);
    v11 += v15; v7 = Integer.rotateRight(v7 ^ v11, 12);
    v3 += v7 + m7; v15 = Integer.rotateRight(v15 ^ v3, 8);
    v11 += v15; v7 = Integer.rotateRight(v7 ^ v11, 7);
    v0 += v5 + m8; v15 = Integer.rotateRight(v15 ^ v0, 16);
    v10 += v15; v5 = Integer.rotateRight(v5 ^ v10, 12);
    v0 += v5 + m9; v15 = Integer.rotateRight(v15 ^ v0, 8);
    v10 += v15; v5 = Integer.rotateRight(v5 ^ v10, 7);
    v1 += v6 + m10; v12 = Integer.rotateRight(v12 ^ v1, 16);
    v11 += v12; v6 = Integer.rotateRight(v6 ^ v11, 12);
    v1 += v6 + m11; v12 = Integer.rotateRight(v12 ^ v1, 8);
    v11 += v12; v6 = Integer.rotateRight(v6 ^ v11, 7);
    v2 += v7 + m12; v13 = Integer.rotateRight(v13 ^ v2, 16);
    v8 += v13; v7 = Integer.rotateRight(v7 ^ v8, 12);
    v2 += v7 + m13; v13 = Integer.rotateRight(v13 ^ v2, 8);
    v8 += v13; v7 = Integer.rotateRight(v7 ^ v8, 7);
    v3 += v4 + m14; v14 = Integer.rotateRight(v14 ^ v3, 16);
    v9 += v14; v4 = Integer.rotateRight(v4 ^ v9, 12);
    v3 += v4 + m15; v14 = Integer.rotateRight(v14 ^ v3, 8);
    v9 += v14; v4 = Integer.rotateRight(v4 ^ v9, 7);
    // round 2
    v0 += v4 + m2; v12 = Integer.rotateRight(v12 ^ v0, 16);
    v8 += v12; v4 = Integer.rotateRight(v4 ^ v8, 12);
    v0 += v4 + m6; v12 = Integer.rotateRight(v12 ^ v0, 8);
    v8 += v12; v4 = Integer.rotateRight(v4 ^ v8, 7);
    v1 += v5 + m3; v13 = Integer.rotateRight(v13 ^ v1, 16);
    v9 += v13; v5 = Integer.rotateRight(v5 ^ v9, 12);
    v1 += v5 + m10; v13 = Integer.rotateRight(v13 ^ v1, 8);
    v9 += v13; v5 = Integer.rotateRight(v5 ^ v9, 7);
    v2 += v6 + m7; v14 = Integer.rotateRight(v14 ^ v2, 16);
    v10 += v14; v6 = Integer.rotateRight(v6 ^ v10, 12);
    v2 += v6 + m0; v14 = Integer.rotateRight(v14 ^ v2, 8);
    v10 += v14; v6 = Integer.rotateRight(v6 ^ v10, 7);
    v3 += v7 + m4; v15 = Integer.rotateRight(v15 ^ v3, 16);
    v11 += v15; v7 = Integer.rotateRight(v7 ^ v11, 12);
    v3 += v7 + m13; v15 = Integer.rotateRight(v15 ^ v3, 8);
    v11 += v15; v7 = Integer.rotateRight(v7 ^ v11, 7);
    v0 += v5 + m1; v15 = Integer.rotateRight(v15 ^ v0, 16);
    v10 += v15; v5 = Integer.rotateRight(v5 ^ v10, 12);
    v0 += v5 + m11; v15 = Integer.rotateRight(v15 ^ v0, 8);
    v10 += v15; v5 = Integer.rotateRight(v5 ^ v10, 7);
    v1 += v6 + m12; v12 = Integer.rotateRight(v12 ^ v1, 16);
    v11 += v12; v6 = Integer.rotateRight(v6 ^ v11, 12);
    v1 += v6 + m5; v12 = Integer.rotateRight(v12 ^ v1, 8);
    v11 += v12; v6 = Integer.rotateRight(v6 ^ v11, 7);
    v2 += v7 + m9; v13 = Integer.rotateRight(v13 ^ v2, 16);
    v8 += v13; v7 = Integer.rotateRight(v7 ^ v8, 12);
    v2 += v7 + m14; v13 = Integer.rotateRight(v13 ^ v2, 8);
    v8 += v13; v7 = Integer.rotateRight(v7 ^ v8, 7);
    v3 += v4 + m15; v14 = Integer.rotateRight(v14 ^ v3, 16);
    v9 += v14; v4 = Integer.rotateRight(v4 ^ v9, 12);
    v3 += v4 + m8; v14 = Integer.rotateRight(v14 ^ v3, 8);
    v9 += v14; v4 = Integer.rotateRight(v4 ^ v9, 7);
    // round 3
    v0 += v4 + m3; v12 = Integer.rotateRight(v12 ^ v0, 16);
    v8 += v12; v4 = Integer.rotateRight(v4 ^ v8, 12);
    v0 += v4 + m4; v12 = Integer.rotateRight(v12 ^ v0, 8);
    v8 += v12; v4 = Integer.rotateRight(v4 ^ v8, 7);
    v1 += v5 + m10; v13 = Integer.rotateRight(v13 ^ v1, 16);
    v9 += v13; v5 = Integer.rotateRight(v5 ^ v9, 12);
    v1 += v5 + m12; v13 = Integer.rotateRight(v13 ^ v1, 8);
    v9 += v13; v5 = Integer.rotateRight(v5 ^ v9, 7);
    v2 += v6 + m13; v14 = Integer.rotateRight(v14 ^ v2, 16);
    v10 += v14; v6 = Integer.rotateRight(v6 ^ v10, 12);
    v2 += v6 + m2; v14 = Integer.rotateRight(v14 ^ v2, 8);
    v10 += v14; v6 = Integer.rotateRight(v6 ^ v10, 7);
    v3 += v7 + m7; v15 = Integer.rotateRight(v15 ^ v3, 16);
    v11 += v15; v7 = Integer.rotateRight(v7 ^ v11, 12);
    v3 += v7 + m14; v15 = Integer.rotateRight(v15 ^ v3, 8);
    v11 += v15; v7 = Integer.rotateRight(v7 ^ v11, 7);
    v0 += v5 + m6; v15 = Integer.rotateRight(v15 ^ v0, 16);
    v10 += v15; v5 = Integer.rotateRight(v5 ^ v10, 12);
    v0 += v5 + m5; v15 = Integer.rotateRight(v15 ^ v0, 8);
    v10 += v15; v5 = Integer.rotateRight(v5 ^ v10, 7);
    v1 += v6 + m9; v12 = Integer.rotateRight(v12 ^ v1, 16);
    v11 += v12; v6 = Integer.rotateRight(v6 ^ v11, 12);
    v1 += v6 + m0; v12 = Integer.rotateRight(v12 ^ v1, 8);
    v11 += v12; v6 = Integer.rotateRight(v6 ^ v11, 7);
    v2 += v7 + m11; v13 = Integer.rotateRight(v13 ^ v2, 16);
    v8 += v13; v7 = Integer.rotateRight(v7 ^ v8, 12);
    v2 += v7 + m15; v13 = Integer.rotateRight(v13 ^ v2, 8);
    v8 += v13; v7 = Integer.rotateRight(v7 ^ v8, 7);
    v3 += v4 + m8; v14 = Integer.rotateRight(v14 ^ v3, 16);
    v9 += v14; v4 = Integer.rotateRight(v4 ^ v9, 12);
    v3 += v4 + m1; v14 = Integer.rotateRight(v14 ^ v3, 8);
    v9 += v14; v4 = Integer.rotateRight(v4 ^ v9, 7);
    // round 4
    v0 += v4 + m10; v12 = Integer.rotateRight(v12 ^ v0, 16);
    v8 += v12; v4 = Integer.rotateRight(v4 ^ v8, 12);
    v0 += v4 + m7; v12 = Integer.rotateRight(v12 ^ v0, 8);
    v8 += v12; v4 = Integer.rotateRight(v4 ^ v8, 7);
    v1 += v5 + m12; v13 = Integer.rotateRight(v13 ^ v1, 16);
    v9 += v13; v5 = Integer.rotateRight(v5 ^ v9, 12);
    v1 += v5 + m9; v13 = Integer.rotateRight(v13 ^ v1, 8);
    v9 += v13; v5 = Integer.rotateRight(v5 ^ v9, 7);
    v2 += v6 + m14; v14 = Integer.rotateRight(v14 ^ v2, 16);
    v10 += v14; v6 = Integer.rotateRight(v6 ^ v10, 12);
    v2 += v6 + m3; v14 = Integer.rotateRight(v14 ^ v2, 8);
    v10 += v14; v6 = Integer.rotateRight(v6 ^ v10, 7);
    v3 += v7 + m13; v15 = Integer.rotateRight(v15 ^ v3, 16);
    v11 += v15; v7 = Integer.rotateRight(v7 ^ v11, 12);
    v3 += v7 + m15; v15 = Integer.rotateRight(v15 ^ v3, 8);
    v11 += v15; v7 = Integer.rotateRight(v7 ^ v11, 7);
    v0 += v5 + m4; v15 = Integer.rotateRight(v15 ^ v0, 16);
    v10 += v15; v5 = Integer.rotateRight(v5 ^ v10, 12);
    v0 += v5 + m0; v15 = Integer.rotateRight(v15 ^ v0, 8);
    v10 += v15; v5 = Integer.rotateRight(v5 ^ v10, 7);
    v1 += v6 + m11; v12 = Integer.rotateRight(v12 ^ v1, 16);
    v11 += v12; v6 = Integer.rotateRight(v6 ^ v11, 12);
    v1 += v6 + m2; v12 = Integer.rotateRight(v12 ^ v1, 8);
    v11 += v12; v6 = Integer.rotateRight(v6 ^ v11, 7);
    v2 += v7 + m5; v13 = Integer.rotateRight(v13 ^ v2, 16);
    v8 += v13; v7 = Integer.rotateRight(v7 ^ v8, 12);
    v2 += v7 + m8; v13 = Integer.rotateRight(v13 ^ v2, 8);
    v8 += v13; v7 = Integer.rotateRight(v7 ^ v8, 7);
    v3 += v4 + m1; v14 = Integer.rotateRight(v14 ^ v3, 16);
    v9 += v14; v4 = Integer.rotateRight(v4 ^ v9, 12);
    v3 += v4 + m6; v14 = Integer.rotateRight(v14 ^ v3, 8);
    v9 += v14; v4 = Integer.rotateRight(v4 ^ v9, 7);
    // round 5
    v0 += v4 + m12; v12 = Integer.rotateRight(v12 ^ v0, 16);
    v8 += v12; v4 = Integer.rotateRight(v4 ^ v8, 12);
    v0 += v4 + m13; v12 = Integer.rotateRight(v12 ^ v0, 8);
    v8 += v12; v4 = Integer.rotateRight(v4 ^ v8, 7);
    v1 += v5 + m9; v13 = Integer.rotateRight(v13 ^ v1, 16);
    v9 += v13; v5 = Integer.rotateRight(v5 ^ v9, 12);
    v1 += v5 + m11; v13 = Integer.rotateRight(v13 ^ v1, 8);
    v9 += v13; v5 = Integer.rotateRight(v5 ^ v9, 7);
    v2 += v6 + m15; v14 = Integer.rotateRight(v14 ^ v2, 16);
    v10 += v14; v6 = Integer.rotateRight(v6 ^ v10, 12);
    v2 += v6 + m10; v14 = Integer.rotateRight(v14 ^ v2, 8);
    v10 += v14; v6 = Integer.rotateRight(v6 ^ v10, 7);
    v3 += v7 + m14; v15 = Integer.rotateRight(v15 ^ v3, 16);
    v11 += v15; v7 = Integer.rotateRight(v7 ^ v11, 12);
    v3 += v7 + m8; v15 = Integer.rotateRight(v15 ^ v3, 8);
    v11 += v15; v7 = Integer.rotateRight(v7 ^ v11, 7);
    v0 += v5 + m7; v15 = Integer.rotateRight(v15 ^ v0, 16);
    v10 += v15; v5 = Integer.rotateRight(v5 ^ v10, 12);
    v0 += v5 + m2; v15 = Integer.rotateRight(v15 ^ v0, 8);
    v10 += v15; v5 = Integer.rotateRight(v5 ^ v10, 7);
    v1 += v6 + m5; v12 = Integer.rotateRight(v12 ^ v1, 16);
    v11 += v12; v6 = Integer.rotateRight(v6 ^ v11, 12);
    v1 += v6 + m3; v12 = Integer.rotateRight(v12 ^ v1, 8);
    v11 += v12; v6 = Integer.rotateRight(v6 ^ v11, 7);
    v2 += v7 + m0; v13 = Integer.rotateRight(v13 ^ v2, 16);
    v8 += v13; v7 = Integer.rotateRight(v7 ^ v8, 12);
    v2 += v7 + m1; v13 = Integer.rotateRight(v13 ^ v2, 8);
    v8 += v13; v7 = Integer.rotateRight(v7 ^ v8, 7);
    v3 += v4 + m6; v14 = Integer.rotateRight(v14 ^ v3, 16);
    v9 += v14; v4 = Integer.rotateRight(v4 ^ v9, 12);
    v3 += v4 + m4; v14 = Integer.rotateRight(v14 ^ v3, 8);
    v9 += v14; v4 = Integer.rotateRight(v4 ^ v9, 7);
    // round 6
    v0 += v4 + m9; v12 = Integer.rotateRight(v12 ^ v0, 16);
    v8 += v12; v4 = Integer.rotateRight(v4 ^ v8, 12);
    v0 += v4 + m14; v12 = Integer.rotateRight(v12 ^ v0, 8);
    v8 += v12; v4 = Integer.rotateRight(v4 ^ v8, 7);
    v1 += v5 + m11; v13 = Integer.rotateRight(v13 ^ v1, 16);
    v9 += v13; v5 = Integer.rotateRight(v5 ^ v9, 12);
    v1 += v5 + m5; v13 = Integer.rotateRight(v13 ^ v1, 8);
    v9 += v13; v5 = Integer.rotateRight(v5 ^ v9, 7);
    v2 += v6 + m8; v14 = Integer.rotateRight(v14 ^ v2, 16);
    v10 += v14; v6 = Integer.rotateRight(v6 ^ v10, 12);
    v2 += v6 + m12; v14 = Integer.rotateRight(v14 ^ v2, 8);
    v10 += v14; v6 = Integer.rotateRight(v6 ^ v10, 7);
    v3 += v7 + m15; v15 = Integer.rotateRight(v15 ^ v3, 16);
    v11 += v15; v7 = Integer.rotateRight(v7 ^ v11, 12);
    v3 += v7 + m1; v15 = Integer.rotateRight(v15 ^ v3, 8);
    v11 += v15; v7 = Integer.rotateRight(v7 ^ v11, 7);
    v0 += v5 + m13; v15 = Integer.rotateRight(v15 ^ v0, 16);
    v10 += v15; v5 = Integer.rotateRight(v5 ^ v10, 12);
    v0 += v5 + m3; v15 = Integer.rotateRight(v15 ^ v0, 8);
    v10 += v15; v5 = Integer.rotateRight(v5 ^ v10, 7);
    v1 += v6 + m0; v12 = Integer.rotateRight(v12 ^ v1, 16);
    v11 += v12; v6 = Integer.rotateRight(v6 ^ v11, 12);
    v1 += v6 + m10; v12 = Integer.rotateRight(v12 ^ v1, 8);
    v11 += v12; v6 = Integer.rotateRight(v6 ^ v11, 7);
    v2 += v7 + m2; v13 = Integer.rotateRight(v13 ^ v2, 16);
    v8 += v13; v7 = Integer.rotateRight(v7 ^ v8, 12);
    v2 += v7 + m6; v13 = Integer.rotateRight(v13 ^ v2, 8);
    v8 += v13; v7 = Integer.rotateRight(v7 ^ v8, 7);
    v3 += v4 + m4; v14 = Integer.rotateRight(v14 ^ v3, 16);
    v9 += v14; v4 = Integer.rotateRight(v4 ^ v9, 12);
    v3 += v4 + m7; v14 = Integer.rotateRight(v14 ^ v3, 8);
    v9 += v14; v4 = Integer.rotateRight(v4 ^ v9, 7);
    // round 7
    v0 += v4 + m11; v12 = Integer.rotateRight(v12 ^ v0, 16);
    v8 += v12; v4 = Integer.rotateRight(v4 ^ v8, 12);
    v0 += v4 + m15; v12 = Integer.rotateRight(v12 ^ v0, 8);
    v8 += v12; v4 = Integer.rotateRight(v4 ^ v8, 7);
    v1 += v5 + m5; v13 = Integer.rotateRight(v13 ^ v1, 16);
    v9 += v13; v5 = Integer.rotateRight(v5 ^ v9, 12);
    v1 += v5 + m0; v13 = Integer.rotateRight(v13 ^ v1, 8);
    v9 += v13; v5 = Integer.rotateRight(v5 ^ v9, 7);
    v2 += v6 + m1; v14 = Integer.rotateRight(v14 ^ v2, 16);
    v10 += v14; v6 = Integer.rotateRight(v6 ^ v10, 12);
    v2 += v6 + m9; v14 = Integer.rotateRight(v14 ^ v2, 8);
    v10 += v14; v6 = Integer.rotateRight(v6 ^ v10, 7);
    v3 += v7 + m8; v15 = Integer.rotateRight(v15 ^ v3, 16);
    v11 += v15; v7 = Integer.rotateRight(v7 ^ v11, 12);
    v3 += v7 + m6; v15 = Integer.rotateRight(v15 ^ v3, 8);
    v11 += v15; v7 = Integer.rotateRight(v7 ^ v11, 7);
    v0 += v5 + m14; v15 = Integer.rotateRight(v15 ^ v0, 16);
    v10 += v15; v5 = Integer.rotateRight(v5 ^ v10, 12);
    v0 += v5 + m10; v15 = Integer.rotateRight(v15 ^ v0, 8);
    v10 += v15; v5 = Integer.rotateRight(v5 ^ v10, 7);
    v1 += v6 + m2; v12 = Integer.rotateRight(v12 ^ v1, 16);
    v11 += v12; v6 = Integer.rotateRight(v6 ^ v11, 12);
    v1 += v6 + m12; v12 = Integer.rotateRight(v12 ^ v1, 8);
    v11 += v12; v6 = Integer.rotateRight(v6 ^ v11, 7);
    v2 += v7 + m3; v13 = Integer.rotateRight(v13 ^ v2, 16);
    v8 += v13; v7 = Integer.rotateRight(v7 ^ v8, 12);
    v2 += v7 + m4; v13 = Integer.rotateRight(v13 ^ v2, 8);
    v8 += v13; v7 = Integer.rotateRight(v7 ^ v8, 7);
    v3 += v4 + m7; v14 = Integer.rotateRight(v14 ^ v3, 16);
    v9 += v14; v4 = Integer.rotateRight(v4 ^ v9, 12);
    v3 += v4 + m13; v14 = Integer.rotateRight(v14 ^ v3, 8);
    v9 += v14; v4 = Integer.rotateRight(v4 ^ v9, 7);
    cv[cvOff] = v0 ^ v8;
    cv[cvOff + 1] = v1 ^ v9;
    cv[cvOff + 2] = v2 ^ v10;
    cv[cvOff + 3] = v3 ^ v11;
    cv[cvOff + 4] = v4 ^ v12;
    cv[cvOff + 5] = v5 ^ v13;
    cv[cvOff + 6] = v6 ^ v14;
    cv[cvOff + 7] = v7 ^ v15;
  }

  /**
   * Replaces the two adjacent chaining values at {@code s[off..off+16)} (left then right) with
   * their parent's chaining value at {@code s[off..off+8)}.
   */
  private static void parent(int[] s, int off, int extraFlags) {
    int m0 = s[off];
    int m1 = s[off + 1];
    int m2 = s[off + 2];
    int m3 = s[off + 3];
    int m4 = s[off + 4];
    int m5 = s[off + 5];
    int m6 = s[off + 6];
    int m7 = s[off + 7];
    int m8 = s[off + 8];
    int m9 = s[off + 9];
    int m10 = s[off + 10];
    int m11 = s[off + 11];
    int m12 = s[off + 12];
    int m13 = s[off + 13];
    int m14 = s[off + 14];
    int m15 = s[off + 15];
    int v0 = IV0; int v1 = IV1; int v2 = IV2; int v3 = IV3;
    int v4 = IV4; int v5 = IV5; int v6 = IV6; int v7 = IV7;
    int v8 = IV0; int v9 = IV1; int v10 = IV2; int v11 = IV3;
    int v12 = 0; int v13 = 0; int v14 = BLOCK_LEN; int v15 = PARENT | extraFlags;
    // round 1
    v0 += v4 + m0; v12 = Integer.rotateRight(v12 ^ v0, 16);
    v8 += v12; v4 = Integer.rotateRight(v4 ^ v8, 12);
    v0 += v4 + m1; v12 = Integer.rotateRight(v12 ^ v0, 8);
    v8 += v12; v4 = Integer.rotateRight(v4 ^ v8, 7);
    v1 += v5 + m2; v13 = Integer.rotateRight(v13 ^ v1, 16);
    v9 += v13; v5 = Integer.rotateRight(v5 ^ v9, 12);
    v1 += v5 + m3; v13 = Integer.rotateRight(v13 ^ v1, 8);
    v9 += v13; v5 = Integer.rotateRight(v5 ^ v9, 7);
    v2 += v6 + m4; v14 = Integer.rotateRight(v14 ^ v2, 16);
    v10 += v14; v6 = Integer.rotateRight(v6 ^ v10, 12);
    v2 += v6 + m5; v14 = Integer.rotateRight(v14 ^ v2, 8);
    v10 += v14; v6 = Integer.rotateRight(v6 ^ v10, 7);
    v3 += v7 + m6; v15 = Integer.rotateRight(v15 ^ v3, 16);
    v11 += v15; v7 = Integer.rotateRight(v7 ^ v11, 12);
    v3 += v7 + m7; v15 = Integer.rotateRight(v15 ^ v3, 8);
    v11 += v15; v7 = Integer.rotateRight(v7 ^ v11, 7);
    v0 += v5 + m8; v15 = Integer.rotateRight(v15 ^ v0, 16);
    v10 += v15; v5 = Integer.rotateRight(v5 ^ v10, 12);
    v0 += v5 + m9; v15 = Integer.rotateRight(v15 ^ v0, 8);
    v10 += v15; v5 = Integer.rotateRight(v5 ^ v10, 7);
    v1 += v6 + m10; v12 = Integer.rotateRight(v12 ^ v1, 16);
    v11 += v12; v6 = Integer.rotateRight(v6 ^ v11, 12);
    v1 += v6 + m11; v12 = Integer.rotateRight(v12 ^ v1, 8);
    v11 += v12; v6 = Integer.rotateRight(v6 ^ v11, 7);
    v2 += v7 + m12; v13 = Integer.rotateRight(v13 ^ v2, 16);
    v8 += v13; v7 = Integer.rotateRight(v7 ^ v8, 12);
    v2 += v7 + m13; v13 = Integer.rotateRight(v13 ^ v2, 8);
    v8 += v13; v7 = Integer.rotateRight(v7 ^ v8, 7);
    v3 += v4 + m14; v14 = Integer.rotateRight(v14 ^ v3, 16);
    v9 += v14; v4 = Integer.rotateRight(v4 ^ v9, 12);
    v3 += v4 + m15; v14 = Integer.rotateRight(v14 ^ v3, 8);
    v9 += v14; v4 = Integer.rotateRight(v4 ^ v9, 7);
    // round 2
    v0 += v4 + m2; v12 = Integer.rotateRight(v12 ^ v0, 16);
    v8 += v12; v4 = Integer.rotateRight(v4 ^ v8, 12);
    v0 += v4 + m6; v12 = Integer.rotateRight(v12 ^ v0, 8);
    v8 += v12; v4 = Integer.rotateRight(v4 ^ v8, 7);
    v1 += v5 + m3; v13 = Integer.rotateRight(v13 ^ v1, 16);
    v9 += v13; v5 = Integer.rotateRight(v5 ^ v9, 12);
    v1 += v5 + m10; v13 = Integer.rotateRight(v13 ^ v1, 8);
    v9 += v13; v5 = Integer.rotateRight(v5 ^ v9, 7);
    v2 += v6 + m7; v14 = Integer.rotateRight(v14 ^ v2, 16);
    v10 += v14; v6 = Integer.rotateRight(v6 ^ v10, 12);
    v2 += v6 + m0; v14 = Integer.rotateRight(v14 ^ v2, 8);
    v10 += v14; v6 = Integer.rotateRight(v6 ^ v10, 7);
    v3 += v7 + m4; v15 = Integer.rotateRight(v15 ^ v3, 16);
    v11 += v15; v7 = Integer.rotateRight(v7 ^ v11, 12);
    v3 += v7 + m13; v15 = Integer.rotateRight(v15 ^ v3, 8);
    v11 += v15; v7 = Integer.rotateRight(v7 ^ v11, 7);
    v0 += v5 + m1; v15 = Integer.rotateRight(v15 ^ v0, 16);
    v10 += v15; v5 = Integer.rotateRight(v5 ^ v10, 12);
    v0 += v5 + m11; v15 = Integer.rotateRight(v15 ^ v0, 8);
    v10 += v15; v5 = Integer.rotateRight(v5 ^ v10, 7);
    v1 += v6 + m12; v12 = Integer.rotateRight(v12 ^ v1, 16);
    v11 += v12; v6 = Integer.rotateRight(v6 ^ v11, 12);
    v1 += v6 + m5; v12 = Integer.rotateRight(v12 ^ v1, 8);
    v11 += v12; v6 = Integer.rotateRight(v6 ^ v11, 7);
    v2 += v7 + m9; v13 = Integer.rotateRight(v13 ^ v2, 16);
    v8 += v13; v7 = Integer.rotateRight(v7 ^ v8, 12);
    v2 += v7 + m14; v13 = Integer.rotateRight(v13 ^ v2, 8);
    v8 += v13; v7 = Integer.rotateRight(v7 ^ v8, 7);
    v3 += v4 + m15; v14 = Integer.rotateRight(v14 ^ v3, 16);
    v9 += v14; v4 = Integer.rotateRight(v4 ^ v9, 12);
    v3 += v4 + m8; v14 = Integer.rotateRight(v14 ^ v3, 8);
    v9 += v14; v4 = Integer.rotateRight(v4 ^ v9, 7);
    // round 3
    v0 += v4 + m3; v12 = Integer.rotateRight(v12 ^ v0, 16);
    v8 += v12; v4 = Integer.rotateRight(v4 ^ v8, 12);
    v0 += v4 + m4; v12 = Integer.rotateRight(v12 ^ v0, 8);
    v8 += v12; v4 = Integer.rotateRight(v4 ^ v8, 7);
    v1 += v5 + m10; v13 = Integer.rotateRight(v13 ^ v1, 16);
    v9 += v13; v5 = Integer.rotateRight(v5 ^ v9, 12);
    v1 += v5 + m12; v13 = Integer.rotateRight(v13 ^ v1, 8);
    v9 += v13; v5 = Integer.rotateRight(v5 ^ v9, 7);
    v2 += v6 + m13; v14 = Integer.rotateRight(v14 ^ v2, 16);
    v10 += v14; v6 = Integer.rotateRight(v6 ^ v10, 12);
    v2 += v6 + m2; v14 = Integer.rotateRight(v14 ^ v2, 8);
    v10 += v14; v6 = Integer.rotateRight(v6 ^ v10, 7);
    v3 += v7 + m7; v15 = Integer.rotateRight(v15 ^ v3, 16);
    v11 += v15; v7 = Integer.rotateRight(v7 ^ v11, 12);
    v3 += v7 + m14; v15 = Integer.rotateRight(v15 ^ v3, 8);
    v11 += v15; v7 = Integer.rotateRight(v7 ^ v11, 7);
    v0 += v5 + m6; v15 = Integer.rotateRight(v15 ^ v0, 16);
    v10 += v15; v5 = Integer.rotateRight(v5 ^ v10, 12);
    v0 += v5 + m5; v15 = Integer.rotateRight(v15 ^ v0, 8);
    v10 += v15; v5 = Integer.rotateRight(v5 ^ v10, 7);
    v1 += v6 + m9; v12 = Integer.rotateRight(v12 ^ v1, 16);
    v11 += v12; v6 = Integer.rotateRight(v6 ^ v11, 12);
    v1 += v6 + m0; v12 = Integer.rotateRight(v12 ^ v1, 8);
    v11 += v12; v6 = Integer.rotateRight(v6 ^ v11, 7);
    v2 += v7 + m11; v13 = Integer.rotateRight(v13 ^ v2, 16);
    v8 += v13; v7 = Integer.rotateRight(v7 ^ v8, 12);
    v2 += v7 + m15; v13 = Integer.rotateRight(v13 ^ v2, 8);
    v8 += v13; v7 = Integer.rotateRight(v7 ^ v8, 7);
    v3 += v4 + m8; v14 = Integer.rotateRight(v14 ^ v3, 16);
    v9 += v14; v4 = Integer.rotateRight(v4 ^ v9, 12);
    v3 += v4 + m1; v14 = Integer.rotateRight(v14 ^ v3, 8);
    v9 += v14; v4 = Integer.rotateRight(v4 ^ v9, 7);
    // round 4
    v0 += v4 + m10; v12 = Integer.rotateRight(v12 ^ v0, 16);
    v8 += v12; v4 = Integer.rotateRight(v4 ^ v8, 12);
    v0 += v4 + m7; v12 = Integer.rotateRight(v12 ^ v0, 8);
    v8 += v12; v4 = Integer.rotateRight(v4 ^ v8, 7);
    v1 += v5 + m12; v13 = Integer.rotateRight(v13 ^ v1, 16);
    v9 += v13; v5 = Integer.rotateRight(v5 ^ v9, 12);
    v1 += v5 + m9; v13 = Integer.rotateRight(v13 ^ v1, 8);
    v9 += v13; v5 = Integer.rotateRight(v5 ^ v9, 7);
    v2 += v6 + m14; v14 = Integer.rotateRight(v14 ^ v2, 16);
    v10 += v14; v6 = Integer.rotateRight(v6 ^ v10, 12);
    v2 += v6 + m3; v14 = Integer.rotateRight(v14 ^ v2, 8);
    v10 += v14; v6 = Integer.rotateRight(v6 ^ v10, 7);
    v3 += v7 + m13; v15 = Integer.rotateRight(v15 ^ v3, 16);
    v11 += v15; v7 = Integer.rotateRight(v7 ^ v11, 12);
    v3 += v7 + m15; v15 = Integer.rotateRight(v15 ^ v3, 8);
    v11 += v15; v7 = Integer.rotateRight(v7 ^ v11, 7);
    v0 += v5 + m4; v15 = Integer.rotateRight(v15 ^ v0, 16);
    v10 += v15; v5 = Integer.rotateRight(v5 ^ v10, 12);
    v0 += v5 + m0; v15 = Integer.rotateRight(v15 ^ v0, 8);
    v10 += v15; v5 = Integer.rotateRight(v5 ^ v10, 7);
    v1 += v6 + m11; v12 = Integer.rotateRight(v12 ^ v1, 16);
    v11 += v12; v6 = Integer.rotateRight(v6 ^ v11, 12);
    v1 += v6 + m2; v12 = Integer.rotateRight(v12 ^ v1, 8);
    v11 += v12; v6 = Integer.rotateRight(v6 ^ v11, 7);
    v2 += v7 + m5; v13 = Integer.rotateRight(v13 ^ v2, 16);
    v8 += v13; v7 = Integer.rotateRight(v7 ^ v8, 12);
    v2 += v7 + m8; v13 = Integer.rotateRight(v13 ^ v2, 8);
    v8 += v13; v7 = Integer.rotateRight(v7 ^ v8, 7);
    v3 += v4 + m1; v14 = Integer.rotateRight(v14 ^ v3, 16);
    v9 += v14; v4 = Integer.rotateRight(v4 ^ v9, 12);
    v3 += v4 + m6; v14 = Integer.rotateRight(v14 ^ v3, 8);
    v9 += v14; v4 = Integer.rotateRight(v4 ^ v9, 7);
    // round 5
    v0 += v4 + m12; v12 = Integer.rotateRight(v12 ^ v0, 16);
    v8 += v12; v4 = Integer.rotateRight(v4 ^ v8, 12);
    v0 += v4 + m13; v12 = Integer.rotateRight(v12 ^ v0, 8);
    v8 += v12; v4 = Integer.rotateRight(v4 ^ v8, 7);
    v1 += v5 + m9; v13 = Integer.rotateRight(v13 ^ v1, 16);
    v9 += v13; v5 = Integer.rotateRight(v5 ^ v9, 12);
    v1 += v5 + m11; v13 = Integer.rotateRight(v13 ^ v1, 8);
    v9 += v13; v5 = Integer.rotateRight(v5 ^ v9, 7);
    v2 += v6 + m15; v14 = Integer.rotateRight(v14 ^ v2, 16);
    v10 += v14; v6 = Integer.rotateRight(v6 ^ v10, 12);
    v2 += v6 + m10; v14 = Integer.rotateRight(v14 ^ v2, 8);
    v10 += v14; v6 = Integer.rotateRight(v6 ^ v10, 7);
    v3 += v7 + m14; v15 = Integer.rotateRight(v15 ^ v3, 16);
    v11 += v15; v7 = Integer.rotateRight(v7 ^ v11, 12);
    v3 += v7 + m8; v15 = Integer.rotateRight(v15 ^ v3, 8);
    v11 += v15; v7 = Integer.rotateRight(v7 ^ v11, 7);
    v0 += v5 + m7; v15 = Integer.rotateRight(v15 ^ v0, 16);
    v10 += v15; v5 = Integer.rotateRight(v5 ^ v10, 12);
    v0 += v5 + m2; v15 = Integer.rotateRight(v15 ^ v0, 8);
    v10 += v15; v5 = Integer.rotateRight(v5 ^ v10, 7);
    v1 += v6 + m5; v12 = Integer.rotateRight(v12 ^ v1, 16);
    v11 += v12; v6 = Integer.rotateRight(v6 ^ v11, 12);
    v1 += v6 + m3; v12 = Integer.rotateRight(v12 ^ v1, 8);
    v11 += v12; v6 = Integer.rotateRight(v6 ^ v11, 7);
    v2 += v7 + m0; v13 = Integer.rotateRight(v13 ^ v2, 16);
    v8 += v13; v7 = Integer.rotateRight(v7 ^ v8, 12);
    v2 += v7 + m1; v13 = Integer.rotateRight(v13 ^ v2, 8);
    v8 += v13; v7 = Integer.rotateRight(v7 ^ v8, 7);
    v3 += v4 + m6; v14 = Integer.rotateRight(v14 ^ v3, 16);
    v9 += v14; v4 = Integer.rotateRight(v4 ^ v9, 12);
    v3 += v4 + m4; v14 = Integer.rotateRight(v14 ^ v3, 8);
    v9 += v14; v4 = Integer.rotateRight(v4 ^ v9, 7);
    // round 6
    v0 += v4 + m9; v12 = Integer.rotateRight(v12 ^ v0, 16);
    v8 += v12; v4 = Integer.rotateRight(v4 ^ v8, 12);
    v0 += v4 + m14; v12 = Integer.rotateRight(v12 ^ v0, 8);
    v8 += v12; v4 = Integer.rotateRight(v4 ^ v8, 7);
    v1 += v5 + m11; v13 = Integer.rotateRight(v13 ^ v1, 16);
    v9 += v13; v5 = Integer.rotateRight(v5 ^ v9, 12);
    v1 += v5 + m5; v13 = Integer.rotateRight(v13 ^ v1, 8);
    v9 += v13; v5 = Integer.rotateRight(v5 ^ v9, 7);
    v2 += v6 + m8; v14 = Integer.rotateRight(v14 ^ v2, 16);
    v10 += v14; v6 = Integer.rotateRight(v6 ^ v10, 12);
    v2 += v6 + m12; v14 = Integer.rotateRight(v14 ^ v2, 8);
    v10 += v14; v6 = Integer.rotateRight(v6 ^ v10, 7);
    v3 += v7 + m15; v15 = Integer.rotateRight(v15 ^ v3, 16);
    v11 += v15; v7 = Integer.rotateRight(v7 ^ v11, 12);
    v3 += v7 + m1; v15 = Integer.rotateRight(v15 ^ v3, 8);
    v11 += v15; v7 = Integer.rotateRight(v7 ^ v11, 7);
    v0 += v5 + m13; v15 = Integer.rotateRight(v15 ^ v0, 16);
    v10 += v15; v5 = Integer.rotateRight(v5 ^ v10, 12);
    v0 += v5 + m3; v15 = Integer.rotateRight(v15 ^ v0, 8);
    v10 += v15; v5 = Integer.rotateRight(v5 ^ v10, 7);
    v1 += v6 + m0; v12 = Integer.rotateRight(v12 ^ v1, 16);
    v11 += v12; v6 = Integer.rotateRight(v6 ^ v11, 12);
    v1 += v6 + m10; v12 = Integer.rotateRight(v12 ^ v1, 8);
    v11 += v12; v6 = Integer.rotateRight(v6 ^ v11, 7);
    v2 += v7 + m2; v13 = Integer.rotateRight(v13 ^ v2, 16);
    v8 += v13; v7 = Integer.rotateRight(v7 ^ v8, 12);
    v2 += v7 + m6; v13 = Integer.rotateRight(v13 ^ v2, 8);
    v8 += v13; v7 = Integer.rotateRight(v7 ^ v8, 7);
    v3 += v4 + m4; v14 = Integer.rotateRight(v14 ^ v3, 16);
    v9 += v14; v4 = Integer.rotateRight(v4 ^ v9, 12);
    v3 += v4 + m7; v14 = Integer.rotateRight(v14 ^ v3, 8);
    v9 += v14; v4 = Integer.rotateRight(v4 ^ v9, 7);
    // round 7
    v0 += v4 + m11; v12 = Integer.rotateRight(v12 ^ v0, 16);
    v8 += v12; v4 = Integer.rotateRight(v4 ^ v8, 12);
    v0 += v4 + m15; v12 = Integer.rotateRight(v12 ^ v0, 8);
    v8 += v12; v4 = Integer.rotateRight(v4 ^ v8, 7);
    v1 += v5 + m5; v13 = Integer.rotateRight(v13 ^ v1, 16);
    v9 += v13; v5 = Integer.rotateRight(v5 ^ v9, 12);
    v1 += v5 + m0; v13 = Integer.rotateRight(v13 ^ v1, 8);
    v9 += v13; v5 = Integer.rotateRight(v5 ^ v9, 7);
    v2 += v6 + m1; v14 = Integer.rotateRight(v14 ^ v2, 16);
    v10 += v14; v6 = Integer.rotateRight(v6 ^ v10, 12);
    v2 += v6 + m9; v14 = Integer.rotateRight(v14 ^ v2, 8);
    v10 += v14; v6 = Integer.rotateRight(v6 ^ v10, 7);
    v3 += v7 + m8; v15 = Integer.rotateRight(v15 ^ v3, 16);
    v11 += v15; v7 = Integer.rotateRight(v7 ^ v11, 12);
    v3 += v7 + m6; v15 = Integer.rotateRight(v15 ^ v3, 8);
    v11 += v15; v7 = Integer.rotateRight(v7 ^ v11, 7);
    v0 += v5 + m14; v15 = Integer.rotateRight(v15 ^ v0, 16);
    v10 += v15; v5 = Integer.rotateRight(v5 ^ v10, 12);
    v0 += v5 + m10; v15 = Integer.rotateRight(v15 ^ v0, 8);
    v10 += v15; v5 = Integer.rotateRight(v5 ^ v10, 7);
    v1 += v6 + m2; v12 = Integer.rotateRight(v12 ^ v1, 16);
    v11 += v12; v6 = Integer.rotateRight(v6 ^ v11, 12);
    v1 += v6 + m12; v12 = Integer.rotateRight(v12 ^ v1, 8);
    v11 += v12; v6 = Integer.rotateRight(v6 ^ v11, 7);
    v2 += v7 + m3; v13 = Integer.rotateRight(v13 ^ v2, 16);
    v8 += v13; v7 = Integer.rotateRight(v7 ^ v8, 12);
    v2 += v7 + m4; v13 = Integer.rotateRight(v13 ^ v2, 8);
    v8 += v13; v7 = Integer.rotateRight(v7 ^ v8, 7);
    v3 += v4 + m7; v14 = Integer.rotateRight(v14 ^ v3, 16);
    v9 += v14; v4 = Integer.rotateRight(v4 ^ v9, 12);
    v3 += v4 + m13; v14 = Integer.rotateRight(v14 ^ v3, 8);
    v9 += v14; v4 = Integer.rotateRight(v4 ^ v9, 7);
    s[off] = v0 ^ v8;
    s[off + 1] = v1 ^ v9;
    s[off + 2] = v2 ^ v10;
    s[off + 3] = v3 ^ v11;
    s[off + 4] = v4 ^ v12;
    s[off + 5] = v5 ^ v13;
    s[off + 6] = v6 ^ v14;
    s[off + 7] = v7 ^ v15;
  }
}
