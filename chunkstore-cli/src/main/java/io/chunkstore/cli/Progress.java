package io.chunkstore.cli;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.concurrent.atomic.AtomicLong;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/**
 * Bytes, rate and ETA of a long job on the terminal (me.tongfei:progressbar); silent when the
 * output is not a terminal, so logs and pipes stay clean.
 */
final class Progress implements AutoCloseable {
  private final AtomicLong done = new AtomicLong();
  private final ProgressBar bar;
  private final Thread ticker;
  private final long start = System.nanoTime();

  /** True if a person is watching: the output is a terminal and CHUNKSTORE_NO_PROGRESS is not set. */
  static boolean onTerminal() {
    return System.console() != null && System.getenv("CHUNKSTORE_NO_PROGRESS") == null;
  }

  /** A progress line for {@code task} if someone watches; {@link #silent()} otherwise. */
  Progress(String task, long totalBytes) {
    this(task, totalBytes, onTerminal());
  }

  /** Counts without showing anything: for -q, and where nobody watches. */
  static Progress silent() {
    return new Progress(null, 0, false);
  }

  private Progress(String task, long totalBytes, boolean show) {
    if (!show) {
      bar = null;
      ticker = null;
      return;
    }
    bar = new ProgressBarBuilder().setTaskName(task).setInitialMax(totalBytes).setUnit("MiB", 1 << 20)
        .showSpeed().setStyle(ProgressBarStyle.COLORFUL_UNICODE_BLOCK).setUpdateIntervalMillis(250).build();
    ticker = new Thread(() -> {
      while (!Thread.currentThread().isInterrupted()) {
        bar.stepTo(done.get());
        try {
          Thread.sleep(250);
        } catch (InterruptedException e) {
          return;
        }
      }
    }, "progress");
    ticker.setDaemon(true);
    ticker.start();
  }

  /** Counts the bytes read through {@code in}. */
  InputStream count(InputStream in) {
    return new FilterInputStream(in) {
      @Override
      public int read() throws IOException {
        int b = super.read();
        if (b >= 0) {
          done.incrementAndGet();
        }
        return b;
      }

      @Override
      public int read(byte[] buf, int off, int len) throws IOException {
        int n = super.read(buf, off, len);
        if (n > 0) {
          done.addAndGet(n);
        }
        return n;
      }
    };
  }

  long bytes() {
    return done.get();
  }

  /** Seconds since the bar started: the time its rate is measured over. */
  double seconds() {
    return (System.nanoTime() - start) / 1e9;
  }

  @Override
  public void close() {
    if (bar != null) {
      ticker.interrupt();
      bar.stepTo(done.get());
      bar.close();
    }
  }
}
