package io.chunkstore;

/**
 * How much the store holds and how much dedup and compression saved.
 *
 * @param logicalBytes the sum of the sizes of all files, as a user sees them
 * @param uniqueRawBytes the uncompressed size of the distinct blocks
 * @param storedBytes the size of all packs on the backend
 * @param uniqueBlocks the number of distinct blocks
 * @param packs the number of packs
 */
public record StoreStats(long logicalBytes, long uniqueRawBytes, long storedBytes, long uniqueBlocks, long packs) {
  /** Logical bytes per distinct block byte: 2.0 means every byte is stored once for two uses. */
  public double dedupRatio() {
    return uniqueRawBytes == 0 ? 1.0 : (double) logicalBytes / uniqueRawBytes;
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
