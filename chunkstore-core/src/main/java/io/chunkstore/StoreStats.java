package io.chunkstore;

/**
 * How much the store holds and how much dedup and compression saved.
 *
 * @param logicalBytes the sum of the sizes of all files, as a user sees them
 * @param uniqueRawBytes the uncompressed size of the distinct blocks
 * @param storedBytes the size of all packs on the backend
 * @param uniqueBlocks the number of distinct blocks
 * @param packs the number of packs
 * @param holeBytes the part of {@code logicalBytes} that is holes (sparse files, runs of zeros):
 *     stored as nothing at all, a saving apart from dedup
 */
public record StoreStats(long logicalBytes, long uniqueRawBytes, long storedBytes, long uniqueBlocks, long packs,
    long holeBytes) {
  /** Stats without a count of holes. */
  public StoreStats(long logicalBytes, long uniqueRawBytes, long storedBytes, long uniqueBlocks, long packs) {
    this(logicalBytes, uniqueRawBytes, storedBytes, uniqueBlocks, packs, 0);
  }

  /** The logical bytes that are data, not holes: what dedup works on. */
  public long dataBytes() {
    return logicalBytes - Math.max(0, Math.min(holeBytes, logicalBytes));
  }

  /**
   * Data bytes per distinct block byte: 2.0 means every byte is stored once for two uses. Holes
   * do not count: a sparse file is not a duplicate of anything.
   */
  public double dedupRatio() {
    return uniqueRawBytes == 0 ? 1.0 : (double) dataBytes() / uniqueRawBytes;
  }

  /** Distinct block bytes per stored byte: what compression saved. */
  public double compressionRatio() {
    return storedBytes == 0 ? 1.0 : (double) uniqueRawBytes / storedBytes;
  }

  /** Logical bytes per stored byte: both savings together. */
  public double totalRatio() {
    return storedBytes == 0 ? 1.0 : (double) logicalBytes / storedBytes;
  }
}
