package io.chunkstore.tahoe;

import io.chunkstore.backend.Backend;
import io.chunkstore.backend.BackendContractTest;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The backend contract on a real grid, write-back (the default): puts return once the object is
 * durable in the local queue; the backend's close drains the queue to the grid.
 */
class TahoeBackendWriteBackContractTest extends BackendContractTest {
  @RegisterExtension static final TahoeGrid grid = TahoeGrid.shared();

  @Override
  protected Backend createBackend(Path scratch) throws IOException {
    try {
      return TahoeBackend.open(grid.clientUrl(), grid.newDirectory(), scratch.resolve("upload"),
          scratch.resolve("cache"), new TahoeBackend.Options(false, 4, 64L << 20, true, Duration.ofMinutes(2),
              Duration.ofSeconds(60)));
    } catch (InterruptedException e) {
      throw new java.io.InterruptedIOException();
    }
  }
}
