package io.chunkstore.cli;

import io.chunkstore.ChunkStore;
import io.chunkstore.StoreStats;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "stats", mixinStandardHelpOptions = true,
    description = "Show how much the store holds and how much dedup and compression saved.")
final class StatsCommand implements Callable<Integer> {
  @Parameters(index = "0", paramLabel = "STORE", description = "The store's directory.")
  Path store;

  @Option(names = "--json", description = "Print one JSON object instead of a table.")
  boolean json;

  @Override
  public Integer call() throws Exception {
    StoreStats s;
    try (ChunkStore cs = ChunkStore.open(store)) {
      s = cs.stats();
    }
    if (json) {
      System.out.printf(Locale.ROOT,
          "{\"logicalBytes\":%d,\"holeBytes\":%d,\"uniqueRawBytes\":%d,\"storedBytes\":%d,\"uniqueBlocks\":%d,"
              + "\"packs\":%d,\"dedupRatio\":%.4f,\"compressionRatio\":%.4f,\"totalRatio\":%.4f}%n",
          s.logicalBytes(), s.logicalBytes() - s.dataBytes(), s.uniqueRawBytes(), s.storedBytes(), s.uniqueBlocks(),
          s.packs(), s.dedupRatio(), s.compressionRatio(), s.totalRatio());
    } else {
      System.out.printf(Locale.ROOT, "logical size        %s (%d bytes)%n", Sizes.human(s.logicalBytes()), s.logicalBytes());
      System.out.printf(Locale.ROOT, "of which holes      %s (sparse files: stored as nothing)%n",
          Sizes.human(s.logicalBytes() - s.dataBytes()));
      System.out.printf(Locale.ROOT, "unique blocks       %d, %s before compression%n", s.uniqueBlocks(), Sizes.human(s.uniqueRawBytes()));
      System.out.printf(Locale.ROOT, "stored              %s in %d pack%s%n", Sizes.human(s.storedBytes()), s.packs(),
          s.packs() == 1 ? "" : "s");
      System.out.printf(Locale.ROOT, "dedup ratio         %.2fx%n", s.dedupRatio());
      System.out.printf(Locale.ROOT, "compression ratio   %.2fx%n", s.compressionRatio());
      System.out.printf(Locale.ROOT, "total saving        %.2fx%n", s.totalRatio());
    }
    return 0;
  }
}
