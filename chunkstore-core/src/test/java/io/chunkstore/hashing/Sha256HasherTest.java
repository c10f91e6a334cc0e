package io.chunkstore.hashing;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.chunkstore.id.BlockId;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

class Sha256HasherTest {
  private final Hasher sha256 = new Sha256Hasher();

  @Test
  void matchesTheFips180Vectors() {
    assertEquals(
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
        sha256.hash(new byte[0]).hex());
    assertEquals(
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
        sha256.hash("abc".getBytes(StandardCharsets.US_ASCII)).hex());
  }

  @Test
  void libcryptoAndTheJdkGiveTheSameDigestsForEverySizeAndOffset() {
    org.junit.jupiter.api.Assumptions.assumeTrue(LibcryptoSha256.get() != null, "no libcrypto on this machine");
    SplittableRandom rnd = new SplittableRandom(11);
    for (int len : new int[] {0, 1, 55, 56, 63, 64, 65, 4095, 65_536, 262_144, 1_000_003}) {
      byte[] b = new byte[len + 7];
      rnd.nextBytes(b);
      for (int off : new int[] {0, 3, 7}) {
        assertEquals(Sha256Hasher.jdkHash(b, off, len), sha256.hash(b, off, len), len + " bytes at " + off);
      }
    }
    assertEquals("libcrypto", Sha256Hasher.implementation());
  }

  @Test
  void hashesOnlyTheRequestedSubrange() {
    byte[] data = "xxabcyy".getBytes(StandardCharsets.US_ASCII);
    assertEquals(
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
        sha256.hash(data, 2, 3).hex());
  }

  @Test
  void givesTheSameIdsWhenUsedFromManyThreads() throws Exception {
    List<byte[]> inputs = new ArrayList<>();
    SplittableRandom rnd = new SplittableRandom(7);
    for (int len : new int[] {0, 55, 56, 64, 1000, 65_536, 200_001}) {
      byte[] b = new byte[len];
      rnd.nextBytes(b);
      inputs.add(b);
    }
    List<BlockId> expected = inputs.stream().map(sha256::hash).toList();
    Callable<Boolean> task =
        () -> {
          for (int i = 0; i < 50; i++) {
            for (int j = 0; j < inputs.size(); j++) {
              if (!sha256.hash(inputs.get(j)).equals(expected.get(j))) {
                return false;
              }
            }
          }
          return true;
        };
    ExecutorService pool = Executors.newFixedThreadPool(4);
    try {
      for (Future<Boolean> f : pool.invokeAll(List.of(task, task, task, task, task, task))) {
        assertEquals(true, f.get());
      }
    } finally {
      pool.shutdownNow();
    }
  }
}
