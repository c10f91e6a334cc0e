package io.chunkstore.index;

/** Running totals kept in the {@code meta} column family, updated in the batch that changes them. */
public enum Counter {
  /** Sum of the sizes of all regular files. */
  LOGICAL_BYTES,
  /** Number of distinct blocks indexed (including ones no file uses any more, until gc). */
  UNIQUE_BLOCKS,
  /** Sum of the uncompressed lengths of the distinct blocks. */
  UNIQUE_RAW_BYTES,
  /** Number of packs. */
  PACKS,
  /** Sum of pack sizes. */
  PACK_BYTES,
  /**
   * Bytes of regular files that are holes (in no extent: never written, or zeros), counted in
   * {@link #LOGICAL_BYTES} too: a file's size less the lengths of its extents, summed.
   */
  HOLE_BYTES;

  byte[] key() {
    return ("counter." + name().toLowerCase(java.util.Locale.ROOT)).getBytes(java.nio.charset.StandardCharsets.US_ASCII);
  }
}
