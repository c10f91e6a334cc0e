package io.chunkstore.index;

import io.chunkstore.id.BlockId;
import io.chunkstore.id.PackId;
import java.nio.charset.StandardCharsets;
import org.rocksdb.RocksDBException;
import org.rocksdb.WriteBatch;

/**
 * One logical change to the index, applied atomically by {@link Index#write(Batch, boolean)}.
 * Refcount deltas and counters go into the same batch as the metadata that causes them, so a
 * crash leaves either all of a change or none of it.
 *
 * <p>Not thread-safe.
 */
public final class Batch implements AutoCloseable {
  private final Index index;
  private final WriteBatch wb = new WriteBatch();
  private int operations;

  Batch(Index index) {
    this.index = index;
  }

  WriteBatch writeBatch() {
    return wb;
  }

  /** Number of operations added so far. */
  public int operations() {
    return operations;
  }

  /** Approximate size of the batch in bytes. */
  public long sizeBytes() {
    return wb.getDataSize();
  }

  /** True when nothing has been added. */
  public boolean isEmpty() {
    return operations == 0;
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

  /** Adds {@code delta} (which may be negative) to a block's refcount. */
  public Batch addRef(BlockId id, long delta) {
    return merge(index.refs, id.toBytes(), Codec64.littleEndian(delta));
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

  /** Sets a metadata value. */
  public Batch putMeta(String key, byte[] value) {
    return put(index.meta, key.getBytes(StandardCharsets.UTF_8), value);
  }

  private Batch put(org.rocksdb.ColumnFamilyHandle cf, byte[] k, byte[] v) {
    try {
      wb.put(cf, k, v);
    } catch (RocksDBException e) {
      throw new IndexException("cannot add to an index batch", e);
    }
    operations++;
    return this;
  }

  private Batch delete(org.rocksdb.ColumnFamilyHandle cf, byte[] k) {
    try {
      wb.delete(cf, k);
    } catch (RocksDBException e) {
      throw new IndexException("cannot add to an index batch", e);
    }
    operations++;
    return this;
  }

  private Batch merge(org.rocksdb.ColumnFamilyHandle cf, byte[] k, byte[] v) {
    try {
      wb.merge(cf, k, v);
    } catch (RocksDBException e) {
      throw new IndexException("cannot add to an index batch", e);
    }
    operations++;
    return this;
  }

  @Override
  public void close() {
    wb.close();
  }
}
