package io.chunkstore.hashing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.chunkstore.id.BlockId;
import java.util.HexFormat;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.bouncycastle.crypto.digests.Blake3Digest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class Blake3HasherTest {
  private final Hasher blake3 = new Blake3Hasher();

  /** The input of the official test vectors: byte i is i mod 251. */
  private static byte[] vectorInput(int len) {
    byte[] b = new byte[len];
    for (int i = 0; i < len; i++) {
      b[i] = (byte) (i % 251);
    }
    return b;
  }

  /** Bouncy Castle's BLAKE3 on a fresh digest, independent of any hasher under test. */
  private static String reference(byte[] data, int off, int len) {
    Blake3Digest d = new Blake3Digest(256);
    d.update(data, off, len);
    byte[] out = new byte[32];
    d.doFinal(out, 0);
    return HexFormat.of().formatHex(out);
  }

  private static byte[] random(long seed, int len) {
    byte[] b = new byte[len];
    new SplittableRandom(seed).nextBytes(b);
    return b;
  }

  /** First 32 bytes of the "hash" field of BLAKE3's test_vectors.json. */
  @ParameterizedTest(name = "{0} bytes")
  @CsvSource({
    "0, af1349b9f5f9a1a6a0404dea36dcc9499bcb25c9adc112b7cc9a93cae41f3262",
    "1, 2d3adedff11b61f14c886e35afa036736dcd87a74d27b5c1510225d0f592e213",
    "1023, 10108970eeda3eb932baac1428c7a2163b0e924c9a9e25b35bba72b28f70bd11",
    "1024, 42214739f095a406f3fc83deb889744ac00df831c10daa55189b5d121c855af7",
    "1025, d00278ae47eb27b34faecf67b4fe263f82d5412916c1ffd97c8cb7fb814b8444",
    "2048, e776b6028c7cd22a4d0ba182a8bf62205d2ef576467e838ed6f2529b85fba24a",
    "2049, 5f4d72f40d7a5f82b15ca2b2e44b1de3c2ef86c426c95c1af0b6879522563030",
    "3072, b98cb0ff3623be03326b373de6b9095218513e64f1ee2edd2525c7ad1e5cffd2",
    "3073, 7124b49501012f81cc7f11ca069ec9226cecb8a2c850cfe644e327d22d3e1cd3",
    "4096, 015094013f57a5277b59d8475c0501042c0b642e531b0a1c8f58d2163229e969",
    "4097, 9b4052b38f1c5fc8b1f9ff7ac7b27cd242487b3d890d15c96a1c25b8aa0fb995",
    "5120, 9cadc15fed8b5d854562b26a9536d9707cadeda9b143978f319ab34230535833",
    "5121, 628bd2cb2004694adaab7bbd778a25df25c47b9d4155a55f8fbd79f2fe154cff",
    "6144, 3e2e5b74e048f3add6d21faab3f83aa44d3b2278afb83b80b3c35164ebeca205",
    "6145, f1323a8631446cc50536a9f705ee5cb619424d46887f3c376c695b70e0f0507f",
    "7168, 61da957ec2499a95d6b8023e2b0e604ec7f6b50e80a9678b89d2628e99ada77a",
    "7169, a003fc7a51754a9b3c7fae0367ab3d782dccf28855a03d435f8cfe74605e7817",
    "8192, aae792484c8efe4f19e2ca7d371d8c467ffb10748d8a5a1ae579948f718a2a63",
    "8193, bab6c09cb8ce8cf459261398d2e7aef35700bf488116ceb94a36d0f5f1b7bc3b",
    "16384, f875d6646de28985646f34ee13be9a576fd515f76b5b0a26bb324735041ddde4",
    "31744, 62b6960e1a44bcc1eb1a611a8d6235b6b4b78f32e7abc4fb4c6cdcce94895c47",
    "102400, bc3e3d41a1146b069abffad3c0d44860cf664390afce4d9661f7902e7943e085",
  })
  void matchesOfficialTestVectors(int len, String expected) {
    byte[] in = vectorInput(len);
    assertEquals(expected, blake3.hash(in).hex(), "blake3");
    assertEquals(expected, reference(in, 0, len), "Bouncy Castle");
  }

  @Test
  void matchesBouncyCastleForEveryLengthUpTo9KiB() {
    byte[] data = random(1, 9216);
    for (int len = 0; len <= data.length; len++) {
      assertEquals(reference(data, 0, len), blake3.hash(data, 0, len).hex(), "length " + len);
    }
  }

  @Test
  void matchesBouncyCastleForMultiMebibyteInputs() {
    for (int len : new int[] {1 << 20, 3 * (1 << 20) + 17, 8 * (1 << 20) - 1, 8 * (1 << 20)}) {
      byte[] data = random(len, len);
      assertEquals(reference(data, 0, len), blake3.hash(data).hex(), "length " + len);
    }
  }

  @Test
  void hashesOnlyTheRequestedSubrange() {
    byte[] data = random(2, 40_000);
    int[][] ranges = {
      {0, 0}, {1, 0}, {40_000, 0}, {1, 1}, {3, 63}, {7, 64}, {13, 1024}, {1000, 1025},
      {5, 2048}, {17, 4097}, {333, 31_744}, {39_000, 1000}, {1, 39_999}, {0, 40_000}
    };
    for (int[] r : ranges) {
      assertEquals(
          reference(data, r[0], r[1]),
          blake3.hash(data, r[0], r[1]).hex(),
          "offset " + r[0] + " length " + r[1]);
    }
  }

  @Test
  void rejectsRangesOutsideTheArray() {
    byte[] data = new byte[10];
    assertThrows(IndexOutOfBoundsException.class, () -> blake3.hash(data, 5, 6));
    assertThrows(IndexOutOfBoundsException.class, () -> blake3.hash(data, -1, 2));
    assertThrows(IndexOutOfBoundsException.class, () -> blake3.hash(data, 0, -1));
  }

  @Test
  void bouncyCastleHasherGivesTheSameIdsOnRepeatedUse() {
    Hasher bc = new BouncyCastleBlake3Hasher();
    byte[] data = random(3, 5000);
    for (int round = 0; round < 2; round++) {
      for (int len : new int[] {0, 1, 1024, 1025, 5000}) {
        assertEquals(blake3.hash(data, 0, len), bc.hash(data, 0, len), "length " + len);
      }
    }
  }

  @Test
  void givesTheSameIdsWhenUsedFromManyThreads() throws Exception {
    List<byte[]> inputs = List.of(random(4, 100), random(5, 70_000), random(6, 300_000));
    List<BlockId> expected = inputs.stream().map(b -> blake3.hash(b)).toList();
    ExecutorService pool = Executors.newFixedThreadPool(4);
    try {
      List<Future<Boolean>> results =
          pool.invokeAll(
              java.util.Collections.nCopies(
                  8,
                  () -> {
                    for (int i = 0; i < 20; i++) {
                      for (int j = 0; j < inputs.size(); j++) {
                        if (!blake3.hash(inputs.get(j)).equals(expected.get(j))) {
                          return false;
                        }
                      }
                    }
                    return true;
                  }));
      for (Future<Boolean> f : results) {
        assertEquals(true, f.get());
      }
    } finally {
      pool.shutdownNow();
    }
  }
}
