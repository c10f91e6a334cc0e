package io.chunkstore.fsck;

import io.chunkstore.index.Batch;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * Applies the fixes that findings carry, then checks again, until a check finds nothing more to
 * fix. Each round's fixes commit in synced batches. Counter fixes set exact values, so they wait
 * for a round in which nothing else changes: other fixes move the counters too.
 */
public final class Repair {
  private static final int MAX_ROUNDS = 5;
  private static final int FIXES_PER_BATCH = 10_000;

  /** A check to run again after each round of fixes. */
  @FunctionalInterface
  public interface Check {
    /** Runs the check. */
    Report run() throws IOException;
  }

  private Repair() {}

  /**
   * Repairs what {@code first} found, re-running {@code check} after each round. Returns the last
   * check's findings, with every finding that was fixed recorded as fixed.
   */
  public static Report run(MaintenanceStore store, Report first, Check check) throws IOException {
    Report result = new Report();
    result.absorb(first);
    Report current = first;
    for (int round = 0; round < MAX_ROUNDS; round++) {
      List<Finding> fixable = current.findings().stream().filter(f -> f.fix() != null).toList();
      if (fixable.isEmpty()) {
        break;
      }
      List<Finding> now = fixable.stream().filter(f -> f.kind() != Finding.Kind.COUNTER_MISMATCH).toList();
      if (now.isEmpty()) {
        now = fixable;
      }
      apply(store, now);
      now.forEach(result::fixed);
      current = check.run();
      result.replaceFindings(current);
    }
    return result;
  }

  private static void apply(MaintenanceStore store, List<Finding> fixes) throws IOException {
    List<Finding> chunk = new ArrayList<>();
    for (Finding f : fixes) {
      chunk.add(f);
      if (chunk.size() == FIXES_PER_BATCH) {
        write(store, chunk);
        chunk.clear();
      }
    }
    write(store, chunk);
  }

  private static void write(MaintenanceStore store, List<Finding> fixes) throws IOException {
    if (fixes.isEmpty()) {
      return;
    }
    try (Batch b = store.index().batch()) {
      for (Finding f : fixes) {
        f.fix().apply(b);
      }
      store.index().write(b, true);
    }
  }
}
