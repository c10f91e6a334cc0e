package io.chunkstore.store;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.chunkstore.ChunkStore;
import io.chunkstore.StoreConfig;
import io.chunkstore.TestData;
import io.chunkstore.id.BlockId;
import io.chunkstore.index.Batch;
import io.chunkstore.index.Extent;
import io.chunkstore.internal.Internals;
import java.io.ByteArrayInputStream;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A writer and an online gc on the same block, in the order that lost blocks in OnlineGcTest: the
 * writer looks while gc has the block condemned (so it prepares a copy of its own), gc spares
 * the block, and the writer's add finds it stored again. Its extent then names a committed block
 * with a refcount of 0 until the writer commits: the next gc must wait for that commit.
 */
class GcCooperationTest {
  @TempDir
  Path tmp;

  @Test
  void anAddThatFindsTheBlockStoredAgainHoldsOffTheNextGcUntilItsCommit() throws Exception {
    try (ChunkStore s = ChunkStore.create(tmp.resolve("s"), StoreConfig.defaults())) {
      byte[] data = TestData.bytes(5, 40_000);
      s.write("/f", new ByteArrayInputStream(data));
      s.delete("/f"); // the block stays, at refcount 0, until a gc drops it
      s.flush();
      BlockStore blocks = Internals.blocks(s);
      BlockId id = blocks.hasher().hash(data, 0, data.length);

      assertTrue(blocks.condemn(List.of(id), 1000), "gc condemns the dead block");
      assertFalse(blocks.contains(id), "a writer looking now does not deduplicate against it");
      var copy = blocks.prepare(id, data, data.length);
      blocks.release(List.of(id)); // gc spares it this time

      assertFalse(blocks.add(copy), "the block is stored again: nothing to add");
      // the writer's extent names the block; before its commit, the next gc must not drop it
      assertGcWaits(blocks, id, "the next gc went ahead while the writer's extent was uncommitted");
      commitsAnExtentNamingItAndGcMayLookAgain(s, id, data.length);
    }
  }

  @Test
  void aNewBlockThatASealPutsInTheIndexHoldsOffGcUntilItsWritersCommit() throws Exception {
    try (ChunkStore s = ChunkStore.create(tmp.resolve("s"), StoreConfig.defaults())) {
      BlockStore blocks = Internals.blocks(s);
      byte[] data = TestData.bytes(7, 40_000);
      BlockId id = blocks.hasher().hash(data, 0, data.length);
      assertTrue(blocks.add(blocks.prepare(id, data, data.length)), "a new block");
      // the pack fills and is sealed (here on demand) before the writer commits the extent naming
      // the block: the seal puts the block into the index, at refcount 0
      blocks.sealOpenPack();
      assertGcWaits(blocks, id, "gc went ahead while the new block's writer had not committed");
      commitsAnExtentNamingItAndGcMayLookAgain(s, id, data.length);
    }
  }

  @Test
  void aWriterThatDeduplicatesAgainstAnotherWritersUncommittedBlockHoldsOffGcUntilItCommits() throws Exception {
    try (ChunkStore s = ChunkStore.create(tmp.resolve("s"), StoreConfig.defaults())) {
      BlockStore blocks = Internals.blocks(s);
      byte[] data = TestData.bytes(8, 40_000);
      BlockId id = blocks.hasher().hash(data, 0, data.length);
      // writer A adds the block, then gives its commit up (its fold failed, say)
      Thread a = new Thread(() -> {
        try {
          assertTrue(blocks.add(blocks.prepare(id, data, data.length)));
        } catch (java.io.IOException e) {
          throw new java.io.UncheckedIOException(e);
        }
        blocks.abandonHits();
      });
      // ... but this thread, writer B, found it before and names it in a commit still to come
      a.start();
      a.join();
      assertTrue(blocks.confirmDuplicate(id), "the uncommitted block counts as stored");
      assertFalse(blocks.add(blocks.prepare(id, data, data.length)), "stored already");
      blocks.sealOpenPack(); // indexes it at refcount 0
      assertGcWaits(blocks, id, "gc went ahead while a writer that found the block had not committed");
      commitsAnExtentNamingItAndGcMayLookAgain(s, id, data.length);
    }
  }

  /** gc's condemnation of {@code id} waits for a writer (and times out here): it spares the block. */
  private static void assertGcWaits(BlockStore blocks, BlockId id, String otherwise) throws Exception {
    assertFalse(blocks.condemn(List.of(id), 100), otherwise);
    blocks.release(List.of(id));
  }

  /** The waiting writer's commit: an extent naming the block; afterwards gc's wait is over. */
  private static void commitsAnExtentNamingItAndGcMayLookAgain(ChunkStore s, BlockId id, int length) throws Exception {
    BlockStore blocks = Internals.blocks(s);
    try (Batch b = Internals.index(s).batch()) {
      b.putExtent(999, new Extent(0, id, 0, length));
      b.addRef(id, 1);
      blocks.commit(b, false);
    }
    assertTrue(blocks.condemn(List.of(id), 1000), "the writer committed: gc may look again (and finds a reference)");
    blocks.release(List.of(id));
  }

  @Test
  void aWriterThatGivesUpItsCommitNoLongerHoldsOffGc() throws Exception {
    try (ChunkStore s = ChunkStore.create(tmp.resolve("s"), StoreConfig.defaults())) {
      byte[] data = TestData.bytes(6, 40_000);
      s.write("/f", new ByteArrayInputStream(data));
      s.flush();
      BlockStore blocks = Internals.blocks(s);
      BlockId id = blocks.hasher().hash(data, 0, data.length);
      // a fold thread confirms a hit, then its fold fails before the commit and the thread ends
      Thread fold = new Thread(() -> {
        if (blocks.confirmDuplicate(id)) {
          blocks.abandonHits(); // what OpenFile does when a fold fails: the writes are staged again
        }
      });
      fold.start();
      fold.join();
      assertTrue(blocks.condemn(List.of(id), 1000), "a failed fold's hit held gc off after its thread was gone");
      blocks.release(List.of(id));
    }
  }
}
