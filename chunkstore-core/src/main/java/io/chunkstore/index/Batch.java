package io.chunkstore.index;

import io.chunkstore.id.BlockId;
import io.chunkstore.id.PackId;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.rocksdb.ColumnFamilyHandle;
import org.rocksdb.RocksDBException;
import org.rocksdb.WriteBatch;

/**
 * One logical change to the index, applied atomically by {@link Index#write(Batch, boolean)}.
 * Refcount deltas and counters go into the same batch as the metadata that causes them, so a
 * crash leaves either all of a change or none of it.
 *
 * <p>Operations are kept in order until {@link Index#write} turns them into one RocksDB
 * {@code WriteBatch}, so that batches can be {@linkplain #append appended} to each other. Not
 * thread-safe.
 */
public final class Batch implements AutoCloseable {
  private enum Kind { PUT, DELETE, MERGE }

  private record Op(ColumnFamilyHandle cf, Kind kind, byte[] key, byte[] value) {}

  private final Index index;
  private final List<Op> ops = new ArrayList<>();
  private final java.util.Set<BlockId> referenced = new java.util.HashSet<>();
  private long bytes;

  Batch(Index index) {
    this.index = index;
  }

  /** The operations as one RocksDB batch; the caller closes it. */
  WriteBatch toWriteBatch() {
    WriteBatch wb = new WriteBatch();
    try {
      for (Op op : ops) {
        switch (op.kind()) {
          case PUT -> wb.put(op.cf(), op.key(), op.value());
          case DELETE -> wb.delete(op.cf(), op.key());
          case MERGE -> wb.merge(op.cf(), op.key(), op.value());
        }
      }
    } catch (RocksDBException e) {
      wb.close();
      throw new IndexException("cannot build an index batch", e);
    }
    return wb;
  }

  /** Calls {@code action} with the column family and key of every operation. */
  void forEachKey(java.util.function.BiConsumer<ColumnFamilyHandle, byte[]> action) {
    for (Op op : ops) {
      action.accept(op.cf(), op.key());
    }
  }

  /** Number of operations added so far. */
  public int operations() {
    return ops.size();
  }

  /** Approximate size of the batch in bytes. */
  public long sizeBytes() {
    return bytes;
  }

  /** True when nothing has been added. */
  public boolean isEmpty() {
    return ops.isEmpty();
  }

  /** Records where a block is stored. */
  public Batch putBlock(BlockId id, BlockRecord record) {
    return put(index.blocks, id.toBytes(), record.encode());
  }

  /** Forgets a block's location and its refcount (gc). */
  public Batch deleteBlock(BlockId id) {
    delete(index.blocks, id.toBytes());
    return delete(index.refs, id.toBytes());
  }

  /**
   * Forgets where a block is stored but keeps its refcount: the block is <em>quarantined</em>. The
   * write pipeline then treats it as absent, so the next write of the same content stores a good
   * copy, which heals every file that names it; until then reading it fails.
   */
  public Batch quarantineBlock(BlockId id) {
    return delete(index.blocks, id.toBytes());
  }

  /** Sets a block's refcount to an exact value (repair), replacing whatever was merged so far. */
  public Batch setRef(BlockId id, long count) {
    if (count > 0) {
      referenced.add(id);
    }
    return put(index.refs, id.toBytes(), Codec64.littleEndian(count));
  }

  /** Adds {@code delta} (which may be negative) to a block's refcount. */
  public Batch addRef(BlockId id, long delta) {
    if (delta > 0) {
      referenced.add(id);
    }
    return merge(index.refs, id.toBytes(), Codec64.littleEndian(delta));
  }

  /** The blocks this batch adds references to: they must be findable when it is applied. */
  public java.util.Set<BlockId> referencedBlocks() {
    return java.util.Collections.unmodifiableSet(referenced);
  }

  /** Appends every operation of {@code other}, in order, after this batch's own. */
  public Batch append(Batch other) {
    ops.addAll(other.ops);
    referenced.addAll(other.referenced);
    bytes += other.bytes;
    return this;
  }

  /** Forgets every operation. */
  public void clear() {
    ops.clear();
    referenced.clear();
    bytes = 0;
  }

  /** Records a sealed pack. */
  public Batch putPack(PackRecord pack) {
    return put(index.packs, pack.id().toBytes(), pack.encodeValue());
  }

  /** Forgets a pack. */
  public Batch deletePack(PackId id) {
    return delete(index.packs, id.toBytes());
  }

  /** Writes an inode. */
  public Batch putInode(InodeRecord inode) {
    return put(index.inodes, Codec64.longKey(inode.ino()), inode.encode());
  }

  /** Removes an inode (its extents and xattrs are removed separately). */
  public Batch deleteInode(long ino) {
    return delete(index.inodes, Codec64.longKey(ino));
  }

  /** Links {@code entry} into directory {@code parent}, replacing an entry of the same name. */
  public Batch putDirEntry(long parent, DirEntry entry) {
    return put(index.dirents, Index.direntKey(parent, entry.name()), entry.encodeValue());
  }

  /** Removes the entry {@code name} from directory {@code parent}. */
  public Batch deleteDirEntry(long parent, String name) {
    return delete(index.dirents, Index.direntKey(parent, name));
  }

  /** Adds an extent; the caller adds the block's reference with {@link #addRef}. */
  public Batch putExtent(long ino, Extent extent) {
    return put(index.extents, Index.extentKey(ino, extent.fileOffset()), extent.encodeValue());
  }

  /** Removes the extent starting at {@code fileOffset}; the caller drops the block's reference. */
  public Batch deleteExtent(long ino, long fileOffset) {
    return delete(index.extents, Index.extentKey(ino, fileOffset));
  }

  /** Sets an extended attribute. */
  public Batch putXattr(long ino, String name, byte[] value) {
    return put(index.xattrs, Index.direntKey(ino, name), value);
  }

  /** Removes an extended attribute. */
  public Batch deleteXattr(long ino, String name) {
    return delete(index.xattrs, Index.direntKey(ino, name));
  }

  /** Removes the named extended attributes of {@code ino}. */
  public Batch deleteXattrsOf(long ino, java.util.List<String> names) {
    for (String n : names) {
      deleteXattr(ino, n);
    }
    return this;
  }

  /** Marks an inode that no directory names but that must be freed after a crash. */
  public Batch putOrphan(long ino) {
    return put(index.orphans, Codec64.longKey(ino), new byte[0]);
  }

  /** Clears an orphan mark. */
  public Batch deleteOrphan(long ino) {
    return delete(index.orphans, Codec64.longKey(ino));
  }

  /** Adds {@code delta} to a running total. */
  public Batch addCounter(Counter counter, long delta) {
    if (delta == 0) {
      return this;
    }
    return merge(index.meta, counter.key(), Codec64.littleEndian(delta));
  }

  /** Sets a running total to an exact value (repair). */
  public Batch setCounter(Counter counter, long value) {
    return put(index.meta, counter.key(), Codec64.littleEndian(value));
  }

  /** Removes a metadata value. */
  public Batch deleteMeta(String key) {
    return delete(index.meta, key.getBytes(StandardCharsets.UTF_8));
  }

  /** Sets a metadata value. */
  public Batch putMeta(String key, byte[] value) {
    return put(index.meta, key.getBytes(StandardCharsets.UTF_8), value);
  }

  private Batch put(ColumnFamilyHandle cf, byte[] k, byte[] v) {
    return add(new Op(cf, Kind.PUT, k, v));
  }

  private Batch delete(ColumnFamilyHandle cf, byte[] k) {
    return add(new Op(cf, Kind.DELETE, k, null));
  }

  private Batch merge(ColumnFamilyHandle cf, byte[] k, byte[] v) {
    return add(new Op(cf, Kind.MERGE, k, v));
  }

  private Batch add(Op op) {
    ops.add(op);
    bytes += op.key().length + (op.value() == null ? 0 : op.value().length) + 8;
    return this;
  }

  /** Nothing native is held until {@link Index#write}; kept so batches read as resources. */
  @Override
  public void close() {
    ops.clear();
  }
}
