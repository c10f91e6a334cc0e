package io.chunkstore.backend;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;

/** The {@code local} scheme: packs in {@code STORE/packs}, a {@link LocalDiskBackend}. */
public final class LocalDiskBackendProvider implements BackendProvider {
  @Override
  public String scheme() {
    return "local";
  }

  @Override
  public void initialize(Path storeRoot, String location) throws IOException {
    if (!location.isEmpty()) {
      throw new IllegalArgumentException("the local backend takes no location (it keeps packs in STORE/packs), not '"
          + location + "'");
    }
  }

  @Override
  public Backend open(Path storeRoot, Map<String, String> options) throws IOException {
    return new LocalDiskBackend(storeRoot.resolve("packs"));
  }
}
