package io.chunkstore.index;

import io.chunkstore.id.BlockId;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Comparator;
import java.util.function.BiConsumer;
import java.util.stream.Stream;
import org.rocksdb.Options;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;
import org.rocksdb.UInt64AddOperator;
import org.rocksdb.WriteBatch;
import org.rocksdb.WriteOptions;

/**
 * Counts kept on disk for the length of one maintenance run, so that recounting a store's
 * references takes memory bounded by RocksDB's write buffer instead of a map that grows with the
 * number of blocks. A throw-away RocksDB with an add operator, in a private temporary directory
 * that {@link #close} deletes.
 */
public final class ScratchCounts implements AutoCloseable {
  static {
    RocksDB.loadLibrary();
  }

  private static final byte BLOCK = 'b';
  private static final byte INODE = 'i';
  private static final int BATCH_OPS = 4096;

  private final Path dir;
  private final UInt64AddOperator add = new UInt64AddOperator();
  private final Options options;
  private final WriteOptions noWal = new WriteOptions().setDisableWAL(true);
  private final RocksDB db;
  private WriteBatch pending = new WriteBatch();
  private int pendingOps;

  private ScratchCounts(Path dir) throws IOException {
    this.dir = dir;
    options = new Options().setCreateIfMissing(true).setMergeOperator(add)
        .setWriteBufferSize(16L << 20).setMaxWriteBufferNumber(2)
        .setInfoLogLevel(org.rocksdb.InfoLogLevel.ERROR_LEVEL);
    try {
      db = RocksDB.open(options, dir.toString());
    } catch (RocksDBException e) {
      options.close();
      throw new IOException("cannot open a scratch table in " + dir + ": " + e.getMessage(), e);
    }
  }

  /** A new, empty table in a private directory under the system's temporary directory. */
  public static ScratchCounts create() throws IOException {
    Path dir = Files.createTempDirectory("chunkstore-scratch-",
        PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
    return new ScratchCounts(dir);
  }

  /** Adds {@code delta} to the count of a block. */
  public void addBlock(BlockId id, long delta) {
    merge(key(BLOCK, id.toBytes()), delta);
  }

  /** Adds {@code delta} to the count of an inode. */
  public void addInode(long ino, long delta) {
    merge(key(INODE, Codec64.longKey(ino)), delta);
  }

  /** A block's count (0 if never added to). */
  public long block(BlockId id) {
    return get(key(BLOCK, id.toBytes()));
  }

  /** An inode's count (0 if never added to). */
  public long inode(long ino) {
    return get(key(INODE, Codec64.longKey(ino)));
  }

  /** Every block with a count, in id order. */
  public void forEachBlock(BiConsumer<BlockId, Long> action) {
    flush();
    try (RocksIterator it = db.newIterator()) {
      for (it.seek(new byte[] {BLOCK}); it.isValid() && it.key()[0] == BLOCK; it.next()) {
        byte[] k = it.key();
        action.accept(BlockId.read(k, 1), Codec64.fromLittleEndian(it.value()));
      }
    }
  }

  private void merge(byte[] key, long delta) {
    try {
      pending.merge(key, Codec64.littleEndian(delta));
      if (++pendingOps >= BATCH_OPS) {
        flush();
      }
    } catch (RocksDBException e) {
      throw new IndexException("cannot write a scratch count", e);
    }
  }

  private long get(byte[] key) {
    flush();
    try {
      byte[] v = db.get(key);
      return v == null ? 0 : Codec64.fromLittleEndian(v);
    } catch (RocksDBException e) {
      throw new IndexException("cannot read a scratch count", e);
    }
  }

  private void flush() {
    if (pendingOps == 0) {
      return;
    }
    try {
      db.write(noWal, pending);
    } catch (RocksDBException e) {
      throw new IndexException("cannot write scratch counts", e);
    } finally {
      pending.close();
      pending = new WriteBatch();
      pendingOps = 0;
    }
  }

  private static byte[] key(byte tag, byte[] k) {
    byte[] out = new byte[k.length + 1];
    out[0] = tag;
    System.arraycopy(k, 0, out, 1, k.length);
    return out;
  }

  @Override
  public void close() {
    pending.close();
    db.close();
    noWal.close();
    options.close();
    add.close();
    try (Stream<Path> s = Files.walk(dir)) {
      for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot remove the scratch table " + dir, e);
    }
  }
}
