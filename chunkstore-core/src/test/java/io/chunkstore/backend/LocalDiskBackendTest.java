package io.chunkstore.backend;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
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

  /**
   * Two sources that exist but cannot be read: /proc/self/mem fails with EIO in the middle of the
   * copy (it is on another file system, so it cannot be hard-linked), and a directory is "copied"
   * as an empty directory that then cannot be opened for writing. Either way the put throws, the
   * source stays and no temporary file is left.
   */
  @Test
  void failedPutLeavesTheSourceAndNoTempFile() throws IOException {
    Path unreadable = Path.of("/proc/self/mem");
    assumeTrue(Files.exists(unreadable), "needs Linux /proc");
    IOException eio = assertThrows(IOException.class, () -> backend.put("cd01", unreadable));
    assertTrue(String.valueOf(eio.getMessage()).contains("Input/output error"), eio.toString());
    assertTrue(Files.exists(unreadable));

    Path directory = Files.createDirectory(stagingDir().resolve("a-directory"));
    assertThrows(IOException.class, () -> backend.put("cd02", directory));
    assertTrue(Files.isDirectory(directory), "the source is left in place");

    assertEquals(List.of(), backend.list(""));
    try (var files = Files.list(dir.resolve("cd"))) {
      assertEquals(List.of(), files.toList(), "no temporary file is left");
    }
  }
}
