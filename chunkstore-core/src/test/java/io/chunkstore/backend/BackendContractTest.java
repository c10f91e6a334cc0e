package io.chunkstore.backend;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.EOFException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.OptionalLong;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The behaviour every {@link Backend} must have. A backend's test extends this class and says how
 * to open one; other modules reuse it through chunkstore-core's test-jar.
 */
public abstract class BackendContractTest {
  /** Scratch space of the test: source files go to {@code tmp/staging}. */
  @TempDir protected Path tmp;

  /** The backend under test, fresh for every test. */
  protected Backend backend;

  private final AtomicLong sourceCounter = new AtomicLong();

  /** Opens an empty backend; {@code scratch} is a fresh directory it may use. */
  protected abstract Backend createBackend(Path scratch) throws IOException;

  /** Where source files are staged; override to put them on the backend's file system. */
  protected Path stagingDir() throws IOException {
    return Files.createDirectories(tmp.resolve("staging"));
  }

  @BeforeEach
  public void openBackend() throws IOException {
    backend = createBackend(Files.createDirectories(tmp.resolve("backend")));
  }

  @AfterEach
  public void closeBackend() throws IOException {
    if (backend != null) {
      backend.close();
    }
  }

  /** Writes {@code data} to a new source file for a put. */
  protected Path source(byte[] data) throws IOException {
    Path p = stagingDir().resolve("src-" + sourceCounter.incrementAndGet());
    Files.write(p, data);
    return p;
  }

  /** Deterministic pseudo-random bytes. */
  protected static byte[] bytes(int n, long seed) {
    byte[] b = new byte[n];
    new Random(seed).nextBytes(b);
    return b;
  }

  private byte[] getAll(String key) throws IOException {
    return backend.get(key, 0, (int) backend.stat(key).orElseThrow());
  }

  @Test
  public void putThenGetReturnsTheSameBytes() throws IOException {
    byte[] data = bytes(100_000, 1);
    backend.put("k1", source(data));
    assertArrayEquals(data, backend.get("k1", 0, data.length));
  }

  @Test
  public void putConsumesTheSourceFile() throws IOException {
    Path src = source(bytes(10, 2));
    backend.put("k", src);
    assertFalse(Files.exists(src), "source file still exists after put");
  }

  @Test
  public void rangeGetReturnsTheRange() throws IOException {
    byte[] data = bytes(3 * 1024 * 1024 + 17, 3);
    backend.put("big", source(data));
    assertArrayEquals(Arrays.copyOfRange(data, 12345, 12345 + 4096), backend.get("big", 12345, 4096));
    assertArrayEquals(
        Arrays.copyOfRange(data, data.length - 10, data.length), backend.get("big", data.length - 10, 10));
    assertArrayEquals(new byte[0], backend.get("big", data.length, 0));
    assertArrayEquals(new byte[] {data[0]}, backend.get("big", 0, 1));
  }

  @Test
  public void shortReadIsEofException() throws IOException {
    backend.put("k", source(bytes(100, 4)));
    assertThrows(EOFException.class, () -> backend.get("k", 90, 11));
    assertThrows(EOFException.class, () -> backend.get("k", 101, 0));
    assertThrows(EOFException.class, () -> backend.get("k", 1000, 1));
  }

  @Test
  public void missingObjectIsNoSuchFileException() throws IOException {
    assertThrows(NoSuchFileException.class, () -> backend.get("nothere", 0, 1));
    assertEquals(OptionalLong.empty(), backend.stat("nothere"));
  }

  @Test
  public void emptyObjectRoundTrips() throws IOException {
    backend.put("empty", source(new byte[0]));
    assertEquals(OptionalLong.of(0), backend.stat("empty"));
    assertArrayEquals(new byte[0], backend.get("empty", 0, 0));
    assertThrows(EOFException.class, () -> backend.get("empty", 0, 1));
  }

  @Test
  public void statReturnsTheSize() throws IOException {
    backend.put("k", source(bytes(4321, 5)));
    assertEquals(OptionalLong.of(4321), backend.stat("k"));
  }

  @Test
  public void listFiltersByPrefix() throws IOException {
    List<String> keys = List.of("aa01", "aa02", "ab01", "b", "bc", "0f3e");
    for (String k : keys) {
      backend.put(k, source(k.getBytes()));
    }
    assertEquals(new HashSet<>(keys), new HashSet<>(backend.list("")));
    assertEquals(Set.of("aa01", "aa02", "ab01"), new HashSet<>(backend.list("a")));
    assertEquals(Set.of("aa01", "aa02"), new HashSet<>(backend.list("aa")));
    assertEquals(Set.of("aa02"), new HashSet<>(backend.list("aa02")));
    assertEquals(Set.of("b", "bc"), new HashSet<>(backend.list("b")));
    assertTrue(backend.list("zz").isEmpty());
    assertTrue(backend.list("aa0233").isEmpty());
  }

  @Test
  public void deleteRemovesAndMissingDeleteIsFine() throws IOException {
    backend.put("k", source(bytes(10, 6)));
    backend.delete("k");
    assertEquals(OptionalLong.empty(), backend.stat("k"));
    assertThrows(NoSuchFileException.class, () -> backend.get("k", 0, 1));
    assertFalse(backend.list("").contains("k"));
    backend.delete("k");
    backend.delete("neverwas");
  }

  @Test
  public void overwriteReplacesTheObject() throws IOException {
    backend.put("k", source(bytes(5000, 7)));
    byte[] second = bytes(300, 8);
    backend.put("k", source(second));
    assertEquals(OptionalLong.of(300), backend.stat("k"));
    assertArrayEquals(second, getAll("k"));
    assertEquals(List.of("k"), backend.list(""));
  }

  @Test
  public void invalidKeysAreRejected() throws IOException {
    String tooLong = "a".repeat(BackendKeys.MAX_LENGTH + 1);
    for (String bad : List.of("", ".", "..", "a/b", "../x", "a b", "a~b", "k\u00e9", "a\\b", tooLong)) {
      Path src = source(new byte[] {1});
      assertThrows(IllegalArgumentException.class, () -> backend.put(bad, src), bad);
      assertTrue(Files.exists(src), "rejected put consumed its source: " + bad);
      assertThrows(IllegalArgumentException.class, () -> backend.get(bad, 0, 1), bad);
      assertThrows(IllegalArgumentException.class, () -> backend.stat(bad), bad);
      assertThrows(IllegalArgumentException.class, () -> backend.delete(bad), bad);
    }
    assertThrows(IllegalArgumentException.class, () -> backend.list("a/"));
  }

  @Test
  public void unusualValidKeysWork() throws IOException {
    List<String> keys =
        List.of("a", "Z", ".x", "..y", "_", "-", "A-b_c.d", "...", "a".repeat(BackendKeys.MAX_LENGTH));
    for (String k : keys) {
      backend.put(k, source(k.getBytes()));
    }
    for (String k : keys) {
      assertArrayEquals(k.getBytes(), getAll(k), k);
    }
    assertEquals(new HashSet<>(keys), new HashSet<>(backend.list("")));
    assertEquals(Set.of("..y", "..."), new HashSet<>(backend.list("..")));
  }

  @Test
  public void concurrentPutsAndGets() throws Exception {
    int threads = 6;
    int perThread = 20;
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      List<Future<?>> futures = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        int thread = t;
        futures.add(
            pool.submit(
                () -> {
                  for (int i = 0; i < perThread; i++) {
                    long seed = thread * 1000L + i;
                    byte[] data = bytes(1000 + (int) (seed % 7919), seed);
                    String key = "t" + thread + "-" + i;
                    backend.put(key, source(data));
                    assertArrayEquals(data, backend.get(key, 0, data.length));
                    // everyone also overwrites one shared key with whole, valid content
                    backend.put("shared", source(bytes(2048, 42)));
                    assertArrayEquals(bytes(2048, 42), backend.get("shared", 0, 2048));
                  }
                  return null;
                }));
      }
      for (Future<?> f : futures) {
        f.get(2, TimeUnit.MINUTES);
      }
    } finally {
      pool.shutdownNow();
    }
    assertEquals(threads * perThread + 1, backend.list("").size());
    assertEquals(perThread, backend.list("t3-").size());
  }
}
