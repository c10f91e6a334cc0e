package io.chunkstore.backend;

import java.nio.file.Path;

class InMemoryBackendTest extends BackendContractTest {
  @Override
  protected Backend createBackend(Path scratch) {
    return new InMemoryBackend();
  }
}
