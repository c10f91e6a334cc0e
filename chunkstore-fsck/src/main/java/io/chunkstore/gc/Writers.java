package io.chunkstore.gc;

import io.chunkstore.id.BlockId;
import io.chunkstore.store.BlockStore;
import java.io.IOException;
import java.util.Collection;
import java.util.concurrent.Callable;

/**
 * How gc stays out of the way of writers. Offline there are none. Online (inside a mount) it uses
 * the block layer's hooks: blocks about to be dropped are condemned, so no new write deduplicates
 * against them; gc waits for the writes that found them before; and its last check and its batch
 * run with no commit in between.
 */
interface Writers {
  /** No writers: the store is gc's alone. */
  Writers NONE = new Writers() {
    @Override
    public boolean condemn(Collection<BlockId> ids) {
      return true;
    }

    @Override
    public void release(Collection<BlockId> ids) {}

    @Override
    public <T> T exclusively(Callable<T> change) throws IOException {
      try {
        return change.call();
      } catch (IOException | RuntimeException e) {
        throw e;
      } catch (Exception e) {
        throw new IOException(e);
      }
    }

    @Override
    public boolean isUncommitted(BlockId id) {
      return false;
    }
  };

  /** How long an online gc waits for a writer's dedup hit to be committed before it gives up on this round. */
  long MAX_WAIT_MILLIS = 30_000;

  /** The writers of an open store's block layer. */
  static Writers of(BlockStore blocks) {
    return new Writers() {
      @Override
      public boolean condemn(Collection<BlockId> ids) throws IOException {
        return blocks.condemn(ids, MAX_WAIT_MILLIS);
      }

      @Override
      public void release(Collection<BlockId> ids) {
        blocks.release(ids);
      }

      @Override
      public <T> T exclusively(Callable<T> change) throws IOException {
        return blocks.exclusively(change);
      }

      @Override
      public boolean isUncommitted(BlockId id) {
        return blocks.isUncommitted(id);
      }
    };
  }

  /**
   * Condemns {@code ids}; false if a writer's earlier hit on one is still not committed (then the
   * caller drops none of them this time and releases them).
   */
  boolean condemn(Collection<BlockId> ids) throws IOException;

  /** Ends the condemnation of {@code ids}. */
  void release(Collection<BlockId> ids);

  /** Runs {@code change} with no commit of a writer in between. */
  <T> T exclusively(Callable<T> change) throws IOException;

  /** True if a writer added the block and has not committed its entry yet. */
  boolean isUncommitted(BlockId id);
}
