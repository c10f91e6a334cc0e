package io.chunkstore.cli;

import io.chunkstore.ChunkStore;
import io.chunkstore.StoreConfig;
import io.chunkstore.StorePermissions;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "init", mixinStandardHelpOptions = true,
    description = {"Create a new, empty store in STORE (a new or empty directory).",
        "Only you can read it (directories 0700, files 0600) unless --shared-group is given."})
final class InitCommand implements Callable<Integer> {
  @Parameters(index = "0", paramLabel = "STORE", description = "Directory of the new store.")
  Path store;

  @Option(names = "--chunker", paramLabel = "SPEC",
      description = "How files are cut: fastcdc:MIN:AVG:MAX or fixed:SIZE (default: ${DEFAULT-VALUE}).",
      defaultValue = "fastcdc:16K:64K:256K")
  String chunker;

  @Option(names = "--hash", paramLabel = "NAME", description = "Block hash: sha256 or blake3 (default: ${DEFAULT-VALUE}).",
      defaultValue = "sha256")
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

  @Option(names = "--backend", paramLabel = "KIND",
      description = "Where packs go: local (STORE/packs) or tahoe:URL (a Tahoe-LAFS grid through the client node "
          + "whose web API is at URL, e.g. tahoe:http://127.0.0.1:3456) (default: ${DEFAULT-VALUE}).",
      defaultValue = "local")
  String backend;

  @Option(names = "--shared-group", paramLabel = "GROUP",
      description = "Let the members of GROUP read and write the store too (directories 2770, files 0660); "
          + "nobody else can, either way.")
  String sharedGroup;

  @Override
  public Integer call() throws Exception {
    int colon = backend.indexOf(':');
    String scheme = colon < 0 ? backend : backend.substring(0, colon);
    String location = colon < 0 ? "" : backend.substring(colon + 1);
    StoreConfig config = new StoreConfig(chunker, hash, compress, Sizes.parse(packSize),
        (int) Math.min(Integer.MAX_VALUE, Sizes.parse(frameSize)), scheme);
    StorePermissions permissions = sharedGroup == null ? StorePermissions.ownerOnly()
        : StorePermissions.sharedWith(sharedGroup);
    try (ChunkStore s = ChunkStore.create(store, config, permissions, location)) {
      StoreConfig c = s.config();
      System.out.printf("created store %s (chunker %s, hash %s, compression %s, packs of %s%s; %s)%n", store,
          c.chunker(), c.hash(), c.compression(), Sizes.human(c.packSize()),
          location.isEmpty() ? "" : ", packs on " + scheme + " through " + location,
          sharedGroup == null ? "private" : "shared with group " + sharedGroup);
    }
    return 0;
  }
}
