package io.chunkstore.gc;

import io.chunkstore.fsck.Cancellation;
import io.chunkstore.fsck.ProgressListener;
import java.nio.file.Path;

/** A gc in a process of its own, for the tests that kill it: {@code GcChild STORE [MAX_UNUSED]}. */
public final class GcChild {
  private GcChild() {}

  public static void main(String[] args) throws Exception {
    double maxUnused = args.length > 1 ? Double.parseDouble(args[1]) : GcPlanner.DEFAULT_MAX_UNUSED;
    GcExecutor.run(Path.of(args[0]), GcPlanner.DEFAULT_REWRITE_BELOW, maxUnused, ProgressListener.NONE, Cancellation.NEVER);
  }
}
