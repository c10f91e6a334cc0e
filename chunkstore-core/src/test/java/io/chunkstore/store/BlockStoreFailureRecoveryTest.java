package io.chunkstore.store;

import static org.junit.jupiter.api.Assertions.*;

import io.chunkstore.StoreConfig;
import io.chunkstore.TestData;
import io.chunkstore.backend.FaultInjectingBackend;
import io.chunkstore.backend.LocalDiskBackend;
import io.chunkstore.Attributes;
import io.chunkstore.fs.FileTree;
import io.chunkstore.index.Batch;
import io.chunkstore.index.Index;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BlockStoreFailureRecoveryTest {
  @TempDir Path tmp;
  private static final StoreConfig CONFIG = StoreConfig.defaults().withPackSize(1 << 20);

  private static byte[] read(FileTree tree, String path) throws IOException {
    try (InputStream in = Channels.newInputStream(tree.openRead(path))) {
      return in.readAllBytes();
    }
  }

  /**
   * A background upload fails and the next fsync reports it. Retrying the fsync must commit only
   * extents whose blocks the index knows: block entries taken from the pack writer are never lost
   * between a failed commit and the next. After reopening, every extent names an indexed block and
   * both files read back.
   */
  @Test
  void aRetriedFsyncAfterAFailedUploadCommitsOnlyIndexedBlocks() throws Exception {
    Path staging = Files.createDirectories(tmp.resolve("staging"));
    byte[] a = TestData.bytes(1, 3_000_000);
    byte[] b = TestData.bytes(2, 300_000);
    try (Index index = Index.open(tmp.resolve("index"))) {
      FaultInjectingBackend backend = new FaultInjectingBackend(new LocalDiskBackend(tmp.resolve("packs")));
      BlockStore blocks = BlockStore.open(index, backend, CONFIG, staging, 1 << 20, 2);
      FileTree tree = new FileTree(index, blocks);
      backend.failNthPut(1);
      tree.writeFile("/a", new ByteArrayInputStream(a), Attributes.none()); // seals pack 1: upload fails in background
      long fh = tree.create("/b", 0644, 0, 0);
      tree.write(fh, 0, b, 0, b.length);
      IOException reported = assertThrows(IOException.class, () -> tree.fsync(fh));
      assertTrue(String.valueOf(reported.getMessage()).contains(FaultInjectingBackend.INJECTED),
          "the fsync reports the injected upload failure, not another error: " + reported);
      tree.fsync(fh); // the application retries: succeeds
      tree.release(fh);
      assertArrayEquals(b, read(tree, "/b"), "/b after a successful fsync");
      assertEveryExtentNamesAnIndexedBlock(index);
      blocks.close();
    }
    try (Index index = Index.open(tmp.resolve("index"))) {
      BlockStore blocks = BlockStore.open(index, new LocalDiskBackend(tmp.resolve("packs")), CONFIG, staging, 1 << 20, 2);
      FileTree tree = new FileTree(index, blocks);
      assertEveryExtentNamesAnIndexedBlock(index);
      assertArrayEquals(a, read(tree, "/a"), "/a, whose pack's upload failed, after reopening");
      assertArrayEquals(b, read(tree, "/b"), "/b after reopening");
      try (var left = Files.list(staging)) {
        assertEquals(0, left.count(), "the pack left in staging by the failed upload was recovered");
      }
      blocks.close();
    }
  }

  private static void assertEveryExtentNamesAnIndexedBlock(Index index) {
    java.util.Map<io.chunkstore.id.BlockId, Long> recount = new java.util.HashMap<>();
    index.forEachExtent((ino, e) -> {
      assertTrue(index.block(e.block()).isPresent(), "inode " + ino + " names block " + e.block() + ", which is not indexed");
      recount.merge(e.block(), 1L, Long::sum);
    });
    assertFalse(recount.isEmpty(), "the files have extents");
    recount.forEach((id, n) -> assertEquals(n, index.refCount(id), "refcount of " + id));
  }


  /**
   * An I/O error in the open pack's file (ENOSPC, EIO; simulated by closing its channel) breaks the
   * writer. The staging file must stay: the index already points into it for fsynced files, and
   * the next open moves those blocks into a new pack.
   */
  @Test
  void aWriterErrorKeepsTheStagingPackOfFsyncedFiles() throws Exception {
    Path staging = Files.createDirectories(tmp.resolve("staging"));
    byte[] kept = TestData.bytes(1, 300_000);
    try (Index index = Index.open(tmp.resolve("index"))) {
      BlockStore blocks = BlockStore.open(index, new LocalDiskBackend(tmp.resolve("packs")), CONFIG, staging, 1 << 20, 2);
      FileTree tree = new FileTree(index, blocks);
      tree.writeFile("/kept", new ByteArrayInputStream(kept), Attributes.none());
      try (Batch s = index.batch()) {
        blocks.commit(s, true); // durable: "when fsync returns, the data survives"
      }
      java.lang.reflect.Field wf = BlockStore.class.getDeclaredField("writer");
      wf.setAccessible(true);
      Object writer = wf.get(blocks);
      java.lang.reflect.Field cf = writer.getClass().getDeclaredField("channel");
      cf.setAccessible(true);
      ((FileChannel) cf.get(writer)).close(); // the next write to the pack file fails, like ENOSPC
      assertThrows(IOException.class,
          () -> tree.writeFile("/next", new ByteArrayInputStream(TestData.bytes(2, 300_000)), Attributes.none()));
      blocks.close(); // the failure was reported by the write; closing keeps the pack file for recovery
    }
    try (Index index = Index.open(tmp.resolve("index"))) {
      BlockStore blocks = BlockStore.open(index, new LocalDiskBackend(tmp.resolve("packs")), CONFIG, staging, 1 << 20, 2);
      FileTree tree = new FileTree(index, blocks);
      assertArrayEquals(kept, read(tree, "/kept"), "fsynced file after reopen");
      blocks.close();
    }
  }
}
