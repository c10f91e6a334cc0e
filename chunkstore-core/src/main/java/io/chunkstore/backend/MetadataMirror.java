package io.chunkstore.backend;

import java.io.IOException;
import java.nio.file.Path;

/**
 * A backend that keeps a copy of the store's metadata too (the metadata backups and
 * {@code chunkstore.json}), so that the backend alone can rebuild the store on a machine with
 * nothing local: Tahoe-LAFS. The local disk backend does not need to: its backups lie beside its
 * packs already.
 */
public interface MetadataMirror {
  /**
   * Brings the backend's copy in step with {@code metaDir}, where a backup has just been taken,
   * and with {@code configFile}. Sends only what the copy lacks and drops what {@code metaDir} no
   * longer has; a backup becomes visible in the copy only once all of its files are there.
   */
  void mirrorMetadata(Path configFile, Path metaDir) throws IOException;
}
