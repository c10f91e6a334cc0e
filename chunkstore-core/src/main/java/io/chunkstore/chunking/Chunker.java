package io.chunkstore.chunking;

/**
 * Finds cut points in a byte stream. Stateless and thread-safe: every chunk is cut from its own
 * start, so the same bytes always give the same chunks, whatever came before them.
 *
 * <p>Chosen by its persisted {@link #spec()}, such as {@code fastcdc:16K:64K:256K} or
 * {@code fixed:64K}; a store always reads back with the chunker it was made with.
 */
public interface Chunker {
  /** The persisted spec that {@link Chunkers#parse(String)} turns back into this chunker. */
  String spec();

  /** The smallest chunk this chunker cuts, except the last chunk of an input. */
  int minSize();

  /** The largest chunk this chunker cuts. */
  int maxSize();

  /**
   * Returns the length of the chunk that starts at {@code buf[off]}, between 1 and
   * {@code min(len, maxSize())}.
   *
   * <p>Callers pass at least {@code maxSize()} bytes while more input follows; fewer bytes mean
   * the input ends at {@code off + len}, and then the whole rest may become one chunk.
   */
  int cut(byte[] buf, int off, int len);
}
