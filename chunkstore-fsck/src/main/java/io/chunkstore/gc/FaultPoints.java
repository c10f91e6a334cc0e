package io.chunkstore.gc;

/**
 * Named points in gc where a test can make the process die at once, as {@code kill -9} would:
 * {@code CHUNKSTORE_GC_CRASH_AT=name} halts the JVM the first time gc reaches {@code name},
 * {@code name:N} the N-th time. Unset (always, outside tests), a point costs one comparison.
 */
final class FaultPoints {
  private static final String SPEC = System.getenv("CHUNKSTORE_GC_CRASH_AT");
  private static final java.util.Map<String, Integer> SEEN = new java.util.concurrent.ConcurrentHashMap<>();

  private FaultPoints() {}

  static void reached(String name) {
    if (SPEC == null) {
      return;
    }
    String point = SPEC;
    int nth = 1;
    int colon = SPEC.indexOf(':');
    if (colon > 0) {
      point = SPEC.substring(0, colon);
      nth = Integer.parseInt(SPEC.substring(colon + 1));
    }
    if (point.equals(name) && SEEN.merge(name, 1, Integer::sum) == nth) {
      Runtime.getRuntime().halt(137);
    }
  }
}
