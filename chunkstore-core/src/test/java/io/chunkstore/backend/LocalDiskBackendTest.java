package io.chunkstore.backend;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

class LocalDiskBackendTest extends BackendContractTest {
  private Path dir;

  @Override
  protected Backend createBackend(Path scratch) throws IOException {
    dir = scratch;
    return new LocalDiskBackend(scratch);
  }

  @Test
  void objectsLiveInTwoCharacterFanOutDirectories() throws IOException {
    String key = "ab0123456789abcdef0123456789abcd";
    byte[] data = bytes(77, 9);
    backend.put(key, source(data));
    assertArrayEquals(data, Files.readAllBytes(dir.resolve("ab").resolve(key)));
    backend.put("..z", source(data));
    assertTrue(Files.exists(dir.resolve("__").resolve("..z")), "'.' maps to '_' in bucket names");
  }

  @Test
  void crashLeftoverTempFilesAreNotListedAndAreRemovedOnOpen() throws IOException {
    backend.put("ab12", source(bytes(10, 1)));
    Path leftover = dir.resolve("ab").resolve(LocalDiskBackend.TEMP_PREFIX + "deadbeef");
    Files.write(leftover, bytes(100, 2));
    Path stray = dir.resolve("ab").resolve("not a key");
    Files.write(stray, bytes(3, 3));
    assertEquals(List.of("ab12"), backend.list(""));
    assertEquals(List.of("ab12"), backend.list("ab"));

    new LocalDiskBackend(dir).close();
    assertFalse(Files.exists(leftover), "temp file survived reopening");
    assertTrue(Files.exists(stray), "only temp files are cleaned");
  }

  @Test
  void putFromAnotherFileSystemCopies() throws IOException {
    Path shm = Path.of("/dev/shm");
    assumeTrue(Files.isDirectory(shm) && Files.isWritable(shm));
    assumeTrue(!Files.getFileStore(shm).equals(Files.getFileStore(dir)));
    Path src = Files.createTempFile(shm, "chunkstore-test", ".bin");
    try {
      byte[] data = bytes(50_000, 4);
      Files.write(src, data);
      backend.put("fromshm", src);
      assertFalse(Files.exists(src));
      assertArrayEquals(data, backend.get("fromshm", 0, data.length));
      assertTrue(Files.list(dir.resolve("fr")).allMatch(p -> p.getFileName().toString().equals("fromshm")));
    } finally {
      Files.deleteIfExists(src);
    }
  }

  @Test
  void failedPutLeavesTheSourceAndNoTempFile() throws IOException {
    Path missing = stagingDir().resolve("missing");
    try {
      backend.put("cd01", missing);
    } catch (IOException expected) {
      // the source does not exist
    }
    assertEquals(List.of(), backend.list(""));
    if (Files.isDirectory(dir.resolve("cd"))) {
      try (var files = Files.list(dir.resolve("cd"))) {
        assertEquals(0, files.count());
      }
    }
  }
}
