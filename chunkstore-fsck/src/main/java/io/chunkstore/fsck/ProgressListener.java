package io.chunkstore.fsck;

/** Told how a long pass advances, so a terminal can show a bar with rate and ETA. */
public interface ProgressListener {
  /** A listener that shows nothing. */
  ProgressListener NONE = new ProgressListener() {
    @Override
    public void start(String phase, long total) {}

    @Override
    public void advance(long delta) {}

    @Override
    public void done() {}
  };

  /** A pass starts that will handle {@code total} bytes (or -1 if unknown). */
  void start(String phase, long total);

  /** {@code delta} more bytes were handled. */
  void advance(long delta);

  /** The pass ended. */
  void done();
}
