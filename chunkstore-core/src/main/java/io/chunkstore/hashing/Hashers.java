package io.chunkstore.hashing;

import java.util.List;

/**
 * Looks hashers up by the name a store persists, so that opening a store always gets the hash it
 * was created with. The instances are shared, which is safe because every hasher is thread-safe.
 */
public final class Hashers {
  /**
   * The hashes a store may be created with, as documented, the default first. Bouncy Castle's
   * BLAKE3 is the reference that {@link Blake3Hasher} is tested against, the same hash: not a
   * store setting of its own.
   */
  private static final List<Hasher> ALL = List.of(new Sha256Hasher(), new Blake3Hasher());

  private Hashers() {}

  /**
   * The shared hasher persisted as {@code name}.
   *
   * @throws IllegalArgumentException if no hasher has that name
   */
  public static Hasher byName(String name) {
    for (Hasher h : ALL) {
      if (h.name().equals(name)) {
        return h;
      }
    }
    throw new IllegalArgumentException(
        "unknown hash '" + name + "'; known: " + String.join(", ", names()));
  }

  /** Every known name, the default first. */
  public static List<String> names() {
    return ALL.stream().map(Hasher::name).toList();
  }

  /**
   * The hasher new stores use: {@code sha256}, which the JDK runs on the CPU's SHA instructions at
   * over twice the speed of our pure-Java BLAKE3 (benchmarks/HasherBenchmark). A store keeps the
   * hash it was created with.
   */
  public static Hasher defaultHasher() {
    return ALL.get(0);
  }
}
