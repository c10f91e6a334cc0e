package io.chunkstore.tahoe;

import io.chunkstore.backend.Backend;
import io.chunkstore.backend.BackendProvider;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

/**
 * The {@code tahoe} scheme. {@code chunkstore init STORE --backend tahoe:http://127.0.0.1:3456}
 * creates the store's directory on the grid through that client node and keeps the connection
 * in {@code STORE/backend.json}. Packs waiting for the grid are in {@code STORE/staging/upload}
 * (durable: not a cache), pieces of packs read back in {@code STORE/cache/packs}.
 *
 * <p>Options ({@code dedup-mount -o}, or {@link io.chunkstore.ChunkStore.Options#backendOptions}):
 * <ul>
 *   <li>{@code sync_upload=true}: a pack is on the grid before its put returns (no upload queue);
 *   <li>{@code drain=false}: closing does not wait for queued uploads (they go up at the next open);
 *   <li>{@code uploads=N}: parallel uploads (default 4);
 *   <li>{@code pack_cache=BYTES}: budget of the local pack cache (default 1 GiB).
 * </ul>
 */
public final class TahoeBackendProvider implements BackendProvider {
  @Override
  public String scheme() {
    return "tahoe";
  }

  @Override
  public void initialize(Path storeRoot, String location) throws IOException {
    if (location.isEmpty()) {
      throw new IllegalArgumentException("the tahoe backend needs the client node's URL: --backend tahoe:http://HOST:PORT");
    }
    URI url = TahoeClient.parseNodeUrl(location);
    TahoeClient client = new TahoeClient(url, Duration.ofSeconds(60));
    client.connectedServers();
    String dircap = client.mkdir();
    new TahoeSettings(url, dircap).write(storeRoot);
  }

  @Override
  public Backend open(Path storeRoot, Map<String, String> options) throws IOException {
    TahoeSettings s = TahoeSettings.read(storeRoot);
    return TahoeBackend.open(s.nodeUrl(), s.dircap(), storeRoot.resolve("staging").resolve("upload"),
        storeRoot.resolve("cache").resolve("packs"), parse(options));
  }

  static TahoeBackend.Options parse(Map<String, String> o) {
    TahoeBackend.Options d = TahoeBackend.Options.defaults();
    try {
      return new TahoeBackend.Options(
          bool(o, "sync_upload", d.syncUpload()),
          Integer.parseInt(o.getOrDefault("uploads", String.valueOf(d.uploaders()))),
          Long.parseLong(o.getOrDefault("pack_cache", String.valueOf(d.cacheBytes()))),
          bool(o, "drain", d.drainOnClose()),
          Duration.ofSeconds(Long.parseLong(o.getOrDefault("drain_patience", String.valueOf(d.drainPatience().toSeconds())))),
          d.timeout());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("a Tahoe backend option is not a number: " + e.getMessage());
    }
  }

  private static boolean bool(Map<String, String> o, String name, boolean dflt) {
    String v = o.get(name);
    if (v == null) {
      return dflt;
    }
    return switch (v) {
      case "true", "yes", "1", "" -> true;
      case "false", "no", "0" -> false;
      default -> throw new IllegalArgumentException("the Tahoe backend option " + name + " is yes or no, not '" + v + "'");
    };
  }
}
