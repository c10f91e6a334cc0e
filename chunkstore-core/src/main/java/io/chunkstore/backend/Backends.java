package io.chunkstore.backend;

import java.util.Map;
import java.util.ServiceLoader;
import java.util.TreeMap;

/** The {@link BackendProvider}s on the class path, by scheme. */
public final class Backends {
  private Backends() {}

  /** Every provider found, by scheme, sorted. */
  public static Map<String, BackendProvider> providers() {
    Map<String, BackendProvider> byScheme = new TreeMap<>();
    for (BackendProvider p : ServiceLoader.load(BackendProvider.class, Backends.class.getClassLoader())) {
      byScheme.putIfAbsent(p.scheme(), p);
    }
    return byScheme;
  }

  /**
   * The provider of {@code scheme}.
   *
   * @throws IllegalArgumentException naming the schemes this build knows, if there is none
   */
  public static BackendProvider provider(String scheme) {
    Map<String, BackendProvider> all = providers();
    BackendProvider p = all.get(scheme);
    if (p == null) {
      throw new IllegalArgumentException(
          "unknown backend '" + scheme + "'; this build knows: " + String.join(", ", all.keySet()));
    }
    return p;
  }
}
