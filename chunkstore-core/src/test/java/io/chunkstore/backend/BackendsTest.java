package io.chunkstore.backend;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.chunkstore.StoreConfig;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BackendsTest {
  @TempDir Path tmp;

  @Test
  void theLocalSchemeIsFoundThroughServiceLoaderAndOpensPacksInTheStore() throws IOException {
    BackendProvider p = Backends.provider("local");
    try (Backend b = p.open(tmp, Map.of())) {
      assertInstanceOf(LocalDiskBackend.class, b);
      assertEquals(tmp.resolve("packs").toAbsolutePath(), ((LocalDiskBackend) b).directory());
    }
  }

  @Test
  void anUnknownSchemeNamesTheKnownOnes() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Backends.provider("s3"));
    assertEquals("unknown backend 's3'; this build knows: local", e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> StoreConfig.defaults().withBackend("s3").validated());
  }

  @Test
  void theLocalBackendTakesNoLocation() {
    assertThrows(IllegalArgumentException.class, () -> Backends.provider("local").initialize(tmp, "/elsewhere"));
  }
}
