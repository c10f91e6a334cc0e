package io.chunkstore.cli;

import io.chunkstore.ChunkStore;
import io.chunkstore.store.StoreConfig;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "init", mixinStandardHelpOptions = true,
    description = "Create a new, empty store in STORE (a new or empty directory).")
final class InitCommand implements Callable<Integer> {
  @Parameters(index = "0", paramLabel = "STORE", description = "Directory of the new store.")
  Path store;

  @Option(names = "--chunker", paramLabel = "SPEC",
      description = "How files are cut: fastcdc:MIN:AVG:MAX or fixed:SIZE (default: ${DEFAULT-VALUE}).",
      defaultValue = "fastcdc:16K:64K:256K")
  String chunker;

  @Option(names = "--hash", paramLabel = "NAME", description = "Block hash: blake3 or sha256 (default: ${DEFAULT-VALUE}).",
      defaultValue = "blake3")
  String hash;

  @Option(names = "--compress", paramLabel = "SPEC",
      description = "Compression: zstd, zstd:LEVEL (1-22; negative levels trade ratio for speed) or none "
          + "(default: ${DEFAULT-VALUE}).", defaultValue = "zstd:3")
  String compress;

  @Option(names = "--pack-size", paramLabel = "SIZE",
      description = "Size at which a super-chunk is sealed (default: ${DEFAULT-VALUE}).", defaultValue = "32M")
  String packSize;

  @Option(names = "--frame-size", paramLabel = "SIZE",
      description = "Small blocks are compressed together in frames of about this size; 0 keeps every block "
          + "alone (default: ${DEFAULT-VALUE}).", defaultValue = "128K")
  String frameSize;

  @Option(names = "--backend", paramLabel = "KIND", description = "Where packs go: local (default: ${DEFAULT-VALUE}).",
      defaultValue = "local")
  String backend;

  @Override
  public Integer call() throws Exception {
    StoreConfig config = new StoreConfig(chunker, hash, compress, Sizes.parse(packSize),
        (int) Math.min(Integer.MAX_VALUE, Sizes.parse(frameSize)), backend);
    try (ChunkStore s = ChunkStore.create(store, config)) {
      StoreConfig c = s.config();
      System.out.printf("created store %s (chunker %s, hash %s, compression %s, packs of %s)%n", store,
          c.chunker(), c.hash(), c.compression(), Sizes.human(c.packSize()));
    }
    return 0;
  }
}
