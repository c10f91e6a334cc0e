package io.chunkstore.tahoe;

import io.chunkstore.backend.Backend;
import io.chunkstore.backend.BackendContractTest;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The backend contract on a real grid with sync_upload: every put waits until the grid has it. */
class TahoeBackendSyncContractTest extends BackendContractTest {
  @RegisterExtension static final TahoeGrid grid = TahoeGrid.shared();

  @Override
  protected Backend createBackend(Path scratch) throws IOException {
    try {
      return TahoeBackend.open(grid.clientUrl(), grid.newDirectory(), scratch.resolve("upload"),
          scratch.resolve("cache"), new TahoeBackend.Options(true, 4, 64L << 20, true, Duration.ofMinutes(2),
              Duration.ofSeconds(60)));
    } catch (InterruptedException e) {
      throw new java.io.InterruptedIOException();
    }
  }
}
