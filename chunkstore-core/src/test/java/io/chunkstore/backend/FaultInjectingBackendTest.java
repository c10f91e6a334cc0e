package io.chunkstore.backend;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** The wrapper with no faults set is a correct backend, and each fault does what it says. */
class FaultInjectingBackendTest extends BackendContractTest {
  private FaultInjectingBackend faulty() {
    return (FaultInjectingBackend) backend;
  }

  @Override
  protected Backend createBackend(Path scratch) {
    return new FaultInjectingBackend(new InMemoryBackend());
  }

  @Test
  void nthPutFailsOnceAndLeavesTheSource() throws IOException {
    faulty().failNthPut(2);
    backend.put("a", source(new byte[] {1}));
    Path src = source(new byte[] {2});
    IOException e = assertThrows(IOException.class, () -> backend.put("b", src));
    assertTrue(e.getMessage().contains("injected fault"), e.getMessage());
    assertTrue(Files.exists(src));
    backend.put("b", src);
    assertEquals(3, faulty().puts());
  }

  @Test
  void nthGetFailsOnce() throws IOException {
    backend.put("a", source(new byte[] {1}));
    faulty().failNthGet(1);
    assertThrows(IOException.class, () -> backend.get("a", 0, 1));
    assertArrayEquals(new byte[] {1}, backend.get("a", 0, 1));
    assertEquals(2, faulty().gets());
  }

  @Test
  void deadBackendFailsEverythingUntilHealed() throws IOException {
    backend.put("a", source(new byte[] {1}));
    faulty().dieAfter(1);
    backend.stat("a");
    assertThrows(IOException.class, () -> backend.get("a", 0, 1));
    assertThrows(IOException.class, () -> backend.list(""));
    assertThrows(IOException.class, () -> backend.delete("a"));
    assertThrows(IOException.class, () -> backend.put("b", source(new byte[] {2})));
    faulty().heal();
    assertArrayEquals(new byte[] {1}, backend.get("a", 0, 1));
  }

  @Test
  void diskFullFailsPuts() throws IOException {
    faulty().diskFull(true);
    IOException e = assertThrows(IOException.class, () -> backend.put("a", source(new byte[] {1})));
    assertEquals("No space left on device", e.getMessage());
  }

  @Test
  void flippedBitShowsOnlyInReadsCoveringIt() throws IOException {
    byte[] data = bytes(100, 1);
    backend.put("a", source(data));
    faulty().flipBit("a", 50, 3);
    byte[] whole = backend.get("a", 0, 100);
    assertEquals((byte) (data[50] ^ 8), whole[50]);
    whole[50] = data[50];
    assertArrayEquals(data, whole);
    assertEquals((byte) (data[50] ^ 8), backend.get("a", 50, 1)[0]);
    assertArrayEquals(java.util.Arrays.copyOf(data, 50), backend.get("a", 0, 50));
  }
}
