package io.chunkstore.store;

import static org.junit.jupiter.api.Assertions.*;

import io.chunkstore.TestData;
import io.chunkstore.backend.FaultInjectingBackend;
import io.chunkstore.backend.LocalDiskBackend;
import io.chunkstore.fs.Attributes;
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
   * between a failed commit and the next.
   */
  @Test
  void aRetriedFsyncAfterAFailedUploadCommitsOnlyIndexedBlocks() throws Exception {
    Path staging = Files.createDirectories(tmp.resolve("staging"));
    try (Index index = Index.open(tmp.resolve("index"))) {
      FaultInjectingBackend backend = new FaultInjectingBackend(new LocalDiskBackend(tmp.resolve("packs")));
      BlockStore blocks = BlockStore.open(index, backend, CONFIG, staging, 1 << 20, 2);
      FileTree tree = new FileTree(index, blocks);
      backend.failNthPut(1);
      tree.writeFile("/a", new ByteArrayInputStream(TestData.bytes(1, 3_000_000)), Attributes.none()); // seals pack 1: upload fails in background
      long fh = tree.create("/b", 0644, 0, 0);
      byte[] b = TestData.bytes(2, 300_000);
      tree.write(fh, 0, b, 0, b.length);
      assertThrows(IOException.class, () -> tree.fsync(fh)); // reports the failed upload: fine
      tree.fsync(fh); // the application retries: succeeds
      tree.release(fh);
      assertArrayEquals(b, read(tree, "/b"), "/b after a successful fsync");
    }
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
