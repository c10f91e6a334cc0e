package io.chunkstore.fsck;

import io.chunkstore.id.BlockId;
import io.chunkstore.id.PackId;
import io.chunkstore.index.Batch;
import io.chunkstore.index.Counter;
import io.chunkstore.index.Index;
import io.chunkstore.pack.PackManifest;
import io.chunkstore.pack.SuperChunkReader;
import io.chunkstore.store.StoreDirectory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.OptionalLong;

/**
 * {@code --rebuild-index}: the index made anew from what the backend holds. The file tree comes
 * from the newest metadata backup; the block and pack tables come from the packs' trailers alone
 * (always exact, whatever the backup says); then refcounts and counters are recounted by the
 * repair loop. The old index, if any, is moved aside, never deleted.
 */
public final class IndexRebuild {
  private IndexRebuild() {}

  /** Rebuilds the index of the store at {@code root}; the store must not be in use. */
  public static Report run(Path root, ProgressListener progress, Cancellation cancel) throws IOException {
    Report report = new Report();
    StoreDirectory dir = StoreDirectory.open(root);
    MaintenanceStore store;
    try {
      Path indexDir = dir.indexDir();
      if (Files.exists(indexDir)) {
        Path aside = root.resolve("index.before-rebuild-" + Instant.now().getEpochSecond());
        Files.move(indexDir, aside);
        report.figure("oldIndexMovedAside", 1);
      }
      OptionalLong backup = Index.latestBackup(dir.metaDir());
      if (backup.isPresent()) {
        Index.restoreLatest(dir.metaDir(), indexDir);
        report.figure("treeFromBackupTakenAt", backup.getAsLong());
      } else {
        report.add(Finding.of(Finding.Kind.UNREACHABLE_INODE, "the file tree",
            "there is no metadata backup in " + dir.metaDir() + ", so the file tree is lost; the blocks are kept,"
                + " named by no file (do not run gc if you mean to recover them)", null));
      }
      store = MaintenanceStore.openCreatingIndex(dir);
    } catch (IOException | RuntimeException e) {
      dir.close();
      throw e;
    }
    try (store) {
      rebuildBlocksAndPacks(store, report, progress, cancel);
      Repair.Check check = () -> StructuralCheck.run(store, ProgressListener.NONE, cancel);
      Report repaired = Repair.run(store, check.run(), check);
      report.absorb(repaired);
      store.directory().restrictIndexFiles();
    }
    return report;
  }

  private static void rebuildBlocksAndPacks(MaintenanceStore store, Report report, ProgressListener progress,
      Cancellation cancel) throws IOException {
    Index index = store.index();
    index.clearBlocksAndPacks();
    try (Batch b = index.batch()) {
      for (Counter c : List.of(Counter.UNIQUE_BLOCKS, Counter.UNIQUE_RAW_BYTES, Counter.PACKS, Counter.PACK_BYTES)) {
        b.setCounter(c, 0);
      }
      index.write(b, false);
    }
    List<String> keys = store.backend().list("");
    progress.start("reading pack trailers", keys.size());
    long blocks = 0;
    for (String key : keys) {
      cancel.check();
      progress.advance(1);
      PackId id = MaintenanceStore.packKey(key).orElse(null);
      if (id == null) {
        continue;
      }
      PackManifest m;
      try {
        m = SuperChunkReader.readManifest(store.backend(), id);
      } catch (IOException e) {
        report.add(Finding.of(Finding.Kind.DAMAGED_PACK, "pack " + id.hex(), "its trailer cannot be read ("
            + e.getMessage() + "), so its blocks are not in the rebuilt index", null));
        continue;
      }
      try (Batch b = index.batch()) {
        blocks += PackAdoption.adopt(index, b, m, new HashSet<BlockId>());
        index.write(b, false);
      }
      report.addToFigure("packsRead", 1);
    }
    progress.done();
    index.sync();
    report.figure("blocksFromTrailers", blocks);
  }
}
