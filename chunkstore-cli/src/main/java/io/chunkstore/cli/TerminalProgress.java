package io.chunkstore.cli;

import io.chunkstore.fsck.ProgressListener;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/**
 * A maintenance pass's progress as a bar with rate and ETA, on a terminal only (pipes and logs stay
 * clean). Passes of unknown size show nothing. Thread-safe: read-data advances it from every core.
 */
final class TerminalProgress implements ProgressListener {
  private final boolean enabled = System.console() != null && System.getenv("CHUNKSTORE_NO_PROGRESS") == null;
  private ProgressBar bar;
  private long done;

  @Override
  public synchronized void start(String phase, long total) {
    done();
    if (enabled && total > 0) {
      bar = new ProgressBarBuilder().setTaskName(phase).setInitialMax(total).setUnit("MiB", 1 << 20).showSpeed()
          .setStyle(ProgressBarStyle.COLORFUL_UNICODE_BLOCK).setUpdateIntervalMillis(250).build();
      done = 0;
    }
  }

  @Override
  public synchronized void advance(long delta) {
    if (bar != null) {
      done += delta;
      bar.stepTo(done);
    }
  }

  @Override
  public synchronized void done() {
    if (bar != null) {
      bar.close();
      bar = null;
    }
  }
}
