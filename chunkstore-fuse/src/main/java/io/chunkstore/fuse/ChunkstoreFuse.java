package io.chunkstore.fuse;

import io.chunkstore.ChunkStore;
import io.chunkstore.StoreStats;
import io.chunkstore.Attributes;
import io.chunkstore.fs.FileTree;
import io.chunkstore.fs.IsDirectoryException;
import io.chunkstore.fs.DirectoryEntry;
import io.chunkstore.fs.Stat;
import io.chunkstore.internal.Internals;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.NotDirectoryException;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import jnr.ffi.Pointer;
import jnr.ffi.types.mode_t;
import jnr.ffi.types.off_t;
import jnr.ffi.types.size_t;
import ru.serce.jnrfuse.ErrorCodes;
import ru.serce.jnrfuse.FuseFillDir;
import ru.serce.jnrfuse.FuseStubFS;
import ru.serce.jnrfuse.struct.FileStat;
import ru.serce.jnrfuse.struct.FuseFileInfo;
import ru.serce.jnrfuse.struct.Statvfs;
import ru.serce.jnrfuse.struct.Timespec;

/**
 * The FUSE adapter: translates libfuse's path-based calls into {@link FileTree} operations and
 * their exceptions into errno values. It keeps no state of its own beyond scratch buffers.
 */
public final class ChunkstoreFuse extends FuseStubFS {
  private static final long UTIME_NOW = (1L << 30) - 1;
  private static final long UTIME_OMIT = (1L << 30) - 2;
  private static final int XATTR_CREATE = 1;
  private static final int XATTR_REPLACE = 2;
  private static final int BLOCK = 4096;
  /**
   * POSIX ACLs are not supported: storing them as plain attributes would leave the mode wrong
   * (cp -p, sed -i set 0600 first, then the ACL), while EOPNOTSUPP makes tools fall back to chmod.
   */
  private static final String POSIX_ACL = "system.posix_acl_";

  private final ChunkStore store;
  private final FileTree tree;
  private final CountDownLatch ready = new CountDownLatch(1);
  private final ThreadLocal<byte[]> buffers = ThreadLocal.withInitial(() -> new byte[1 << 17]);

  /** libfuse 2 hides a file unlinked while open under this name until its last release. */
  private static final String HIDDEN_PREFIX = ".fuse_hidden";
  /** Hidden names of files unlinked while open, to their inodes. */
  private final java.util.Map<String, Long> hidden = new java.util.concurrent.ConcurrentHashMap<>();

  /** An adapter over {@code store}; loading libfuse happens here and fails if it is missing. */
  public ChunkstoreFuse(ChunkStore store) {
    this.store = store;
    this.tree = Internals.tree(store);
    // fuse_operations.flag_utime_omit_ok (bit 2 of the flag word): without it libfuse 2 drops
    // utimensat calls that set only one of the two times (touch -m, touch -a).
    // jnr-fuse declares the flag word as padding, whose offset() only reflection reaches.
    try {
      java.lang.reflect.Method offset = Class.forName("jnr.ffi.Struct$AbstractMember").getDeclaredMethod("offset");
      offset.setAccessible(true);
      int flagsAt = (int) (long) offset.invoke(fuseOperations.flag_nullpath_ok);
      Pointer ops = jnr.ffi.Struct.getMemory(fuseOperations);
      ops.putInt(flagsAt, ops.getInt(flagsAt) | 4);
    } catch (ReflectiveOperationException | RuntimeException e) {
      org.slf4j.LoggerFactory.getLogger(ChunkstoreFuse.class)
          .warn("cannot set flag_utime_omit_ok ({}); touch -m and touch -a will not work", e.toString());
    }
  }

  private static boolean isHidden(String path) {
    return path.substring(path.lastIndexOf('/') + 1).startsWith(HIDDEN_PREFIX);
  }

  /** Counts down once the kernel has connected: the mount is usable. */
  public CountDownLatch ready() {
    return ready;
  }

  @Override
  protected String getFSName() {
    return "chunkstore";
  }

  @Override
  public Pointer init(Pointer conn) {
    ready.countDown();
    return null;
  }

  private byte[] buffer(long size) {
    byte[] b = buffers.get();
    if (b.length < size) {
      b = new byte[(int) size];
      buffers.set(b);
    }
    return b;
  }

  private int uid() {
    return (int) getContext().uid.get();
  }

  private int gid() {
    return (int) getContext().gid.get();
  }

  // ---- attributes

  @Override
  public int getattr(String path, FileStat stat) {
    try {
      Long orphan = hidden.get(path);
      fill(orphan != null ? tree.statInode(orphan) : tree.stat(path), stat);
      return 0;
    } catch (Exception e) {
      return Errno.of(e, "getattr", path);
    }
  }

  @Override
  public int fgetattr(String path, FileStat stat, FuseFileInfo fi) {
    try {
      fill(tree.stat(fi.fh.get()), stat);
      return 0;
    } catch (Exception e) {
      return Errno.of(e, "fgetattr", path);
    }
  }

  private void fill(Stat n, FileStat st) {
    st.st_ino.set(n.ino());
    st.st_mode.set(n.mode());
    st.st_nlink.set(n.nlink());
    st.st_uid.set(n.uid());
    st.st_gid.set(n.gid());
    st.st_size.set(n.size());
    st.st_rdev.set(n.rdev());
    st.st_blksize.set(BLOCK);
    st.st_blocks.set((tree.allocatedBytes(n) + 511) / 512);
    setTime(st.st_atim, n.atimeNanos());
    setTime(st.st_mtim, n.mtimeNanos());
    setTime(st.st_ctim, n.ctimeNanos());
  }

  private static void setTime(Timespec t, long nanos) {
    t.tv_sec.set(Math.floorDiv(nanos, 1_000_000_000L));
    t.tv_nsec.set(Math.floorMod(nanos, 1_000_000_000L));
  }

  @Override
  public int chmod(String path, @mode_t long mode) {
    try {
      tree.setAttributes(path, new Attributes((int) mode & 07777, Attributes.KEEP, Attributes.KEEP, Attributes.KEEP,
          Attributes.KEEP));
      return 0;
    } catch (Exception e) {
      return Errno.of(e, "chmod", path);
    }
  }

  @Override
  public int chown(String path, long uid, long gid) {
    try {
      int u = (int) uid;
      int g = (int) gid;
      tree.setAttributes(path, new Attributes(Attributes.KEEP, u == -1 ? Attributes.KEEP : u,
          g == -1 ? Attributes.KEEP : g, Attributes.KEEP, Attributes.KEEP));
      return 0;
    } catch (Exception e) {
      return Errno.of(e, "chown", path);
    }
  }

  @Override
  public int utimens(String path, Timespec[] timespec) {
    try {
      tree.setAttributes(path, new Attributes(Attributes.KEEP, Attributes.KEEP, Attributes.KEEP,
          time(timespec[1]), time(timespec[0])));
      return 0;
    } catch (Exception e) {
      return Errno.of(e, "utimens", path);
    }
  }

  private static long time(Timespec t) {
    long nsec = t.tv_nsec.longValue();
    if (nsec == UTIME_NOW) {
      return Attributes.NOW;
    }
    if (nsec == UTIME_OMIT) {
      return Attributes.KEEP;
    }
    return t.tv_sec.get() * 1_000_000_000L + nsec;
  }

  @Override
  public int truncate(String path, @off_t long size) {
    try {
      tree.truncate(path, size);
      return 0;
    } catch (Exception e) {
      return Errno.of(e, "truncate", path);
    }
  }

  @Override
  public int ftruncate(String path, @off_t long size, FuseFileInfo fi) {
    try {
      tree.truncate(fi.fh.get(), size);
      return 0;
    } catch (Exception e) {
      return Errno.of(e, "ftruncate", path);
    }
  }

  @Override
  public int access(String path, int mask) {
    try {
      tree.stat(path);
      return 0;
    } catch (Exception e) {
      return Errno.of(e, "access", path);
    }
  }

  @Override
  public int statfs(String path, Statvfs st) {
    try {
      FileStore fs = Files.getFileStore(store.directory());
      StoreStats s = store.stats();
      st.f_bsize.set(BLOCK);
      st.f_frsize.set(BLOCK);
      st.f_blocks.set((fs.getTotalSpace()) / BLOCK);
      st.f_bfree.set(fs.getUnallocatedSpace() / BLOCK);
      st.f_bavail.set(fs.getUsableSpace() / BLOCK);
      long files = Math.max(s.uniqueBlocks(), 1);
      st.f_files.set(files + 1_000_000_000L);
      st.f_ffree.set(1_000_000_000L);
      st.f_favail.set(1_000_000_000L);
      st.f_namemax.set(255);
      return 0;
    } catch (Exception e) {
      return Errno.of(e, "statfs", path);
    }
  }

  // ---- directories

  @Override
  public int mkdir(String path, @mode_t long mode) {
    try {
      tree.mkdir(path, new Attributes((int) mode & 07777, uid(), gid(), Attributes.NOW, Attributes.NOW));
      return 0;
    } catch (Exception e) {
      return Errno.of(e, "mkdir", path);
    }
  }

  @Override
  public int readdir(String path, Pointer buf, FuseFillDir filter, @off_t long offset, FuseFileInfo fi) {
    try {
      List<DirectoryEntry> entries = tree.list(path);
      filter.apply(buf, ".", null, 0);
      filter.apply(buf, "..", null, 0);
      for (DirectoryEntry e : entries) {
        if (filter.apply(buf, e.name(), null, 0) != 0) {
          break;
        }
      }
      return 0;
    } catch (Exception e) {
      return Errno.of(e, "readdir", path);
    }
  }

  @Override
  public int rmdir(String path) {
    try {
      if (!tree.stat(path).isDirectory()) {
        throw new NotDirectoryException(path);
      }
      tree.delete(path);
      return 0;
    } catch (Exception e) {
      return Errno.of(e, "rmdir", path);
    }
  }

  // ---- names

  @Override
  public int unlink(String path) {
    try {
      if (hidden.remove(path) != null) {
        return 0; // the last release of a file unlinked while open: the tree freed it already
      }
      if (tree.stat(path).isDirectory()) {
        throw new IsDirectoryException(path);
      }
      tree.delete(path);
      return 0;
    } catch (Exception e) {
      return Errno.of(e, "unlink", path);
    }
  }

  @Override
  public int rename(String oldpath, String newpath) {
    try {
      if (isHidden(newpath) && !isHidden(oldpath)) {
        // libfuse's way of unlinking an open file: unlink it for real (the tree keeps it for its
        // handles and frees it at the last release) and remember the hidden name for fstat.
        long ino = tree.stat(oldpath).ino();
        tree.delete(oldpath);
        hidden.put(newpath, ino);
        return 0;
      }
      tree.rename(oldpath, newpath);
      return 0;
    } catch (Exception e) {
      return Errno.of(e, "rename", oldpath);
    }
  }

  @Override
  public int link(String oldpath, String newpath) {
    try {
      tree.link(oldpath, newpath);
      return 0;
    } catch (Exception e) {
      return Errno.of(e, "link", newpath);
    }
  }

  @Override
  public int symlink(String target, String linkpath) {
    try {
      tree.symlink(linkpath, target, new Attributes(Attributes.KEEP, uid(), gid(), Attributes.NOW, Attributes.NOW));
      return 0;
    } catch (Exception e) {
      return Errno.of(e, "symlink", linkpath);
    }
  }

  @Override
  public int readlink(String path, Pointer buf, @size_t long size) {
    try {
      byte[] target = tree.readSymlink(path).getBytes(StandardCharsets.UTF_8);
      int n = (int) Math.min(target.length, size - 1);
      buf.put(0, target, 0, n);
      buf.putByte(n, (byte) 0);
      return 0;
    } catch (Exception e) {
      return Errno.of(e, "readlink", path);
    }
  }

  @Override
  public int mknod(String path, @mode_t long mode, long rdev) {
    try {
      tree.mknod(path, (int) mode, rdev, uid(), gid());
      return 0;
    } catch (Exception e) {
      return Errno.of(e, "mknod", path);
    }
  }

  // ---- file I/O

  @Override
  public int create(String path, @mode_t long mode, FuseFileInfo fi) {
    try {
      fi.fh.set(tree.create(path, (int) mode & 07777, uid(), gid()));
      return 0;
    } catch (Exception e) {
      return Errno.of(e, "create", path);
    }
  }

  @Override
  public int open(String path, FuseFileInfo fi) {
    try {
      fi.fh.set(tree.open(path));
      return 0;
    } catch (Exception e) {
      return Errno.of(e, "open", path);
    }
  }

  @Override
  public int read(String path, Pointer buf, @size_t long size, @off_t long offset, FuseFileInfo fi) {
    try {
      byte[] b = buffer(size);
      int n = tree.read(fi.fh.get(), offset, b, 0, (int) size);
      buf.put(0, b, 0, n);
      return n;
    } catch (Exception e) {
      return Errno.of(e, "read", path);
    }
  }

  @Override
  public int write(String path, Pointer buf, @size_t long size, @off_t long offset, FuseFileInfo fi) {
    try {
      byte[] b = buffer(size);
      buf.get(0, b, 0, (int) size);
      tree.write(fi.fh.get(), offset, b, 0, (int) size);
      return (int) size;
    } catch (Exception e) {
      return Errno.of(e, "write", path);
    }
  }

  @Override
  public int flush(String path, FuseFileInfo fi) {
    try {
      tree.flush(fi.fh.get());
      return 0;
    } catch (Exception e) {
      return Errno.of(e, "flush", path);
    }
  }

  @Override
  public int fsync(String path, int isdatasync, FuseFileInfo fi) {
    try {
      tree.fsync(fi.fh.get());
      return 0;
    } catch (Exception e) {
      return Errno.of(e, "fsync", path);
    }
  }

  @Override
  public int release(String path, FuseFileInfo fi) {
    try {
      tree.release(fi.fh.get());
      return 0;
    } catch (Exception e) {
      return Errno.of(e, "release", path);
    }
  }

  @Override
  public int fallocate(String path, int mode, @off_t long off, @off_t long length, FuseFileInfo fi) {
    try {
      return Fallocate.apply(tree, fi.fh.get(), mode, off, length) ? 0 : -ErrorCodes.EOPNOTSUPP();
    } catch (Exception e) {
      return Errno.of(e, "fallocate", path);
    }
  }

  // ---- extended attributes

  @Override
  public int setxattr(String path, String name, Pointer value, @size_t long size, int flags) {
    if (name.startsWith(POSIX_ACL)) {
      return -ErrorCodes.EOPNOTSUPP();
    }
    try {
      byte[] v = new byte[(int) size];
      value.get(0, v, 0, v.length);
      tree.setXattr(path, name, v, (flags & XATTR_CREATE) != 0, (flags & XATTR_REPLACE) != 0);
      return 0;
    } catch (Exception e) {
      return Errno.of(e, "setxattr", path);
    }
  }

  @Override
  public int getxattr(String path, String name, Pointer value, @size_t long size) {
    if (name.startsWith(POSIX_ACL)) {
      return -ErrorCodes.EOPNOTSUPP();
    }
    try {
      byte[] v = tree.getXattr(path, name);
      if (size == 0) {
        return v.length;
      }
      if (size < v.length) {
        return -ErrorCodes.ERANGE();
      }
      value.put(0, v, 0, v.length);
      return v.length;
    } catch (Exception e) {
      return Errno.of(e, "getxattr", path);
    }
  }

  @Override
  public int listxattr(String path, Pointer list, @size_t long size) {
    try {
      StringBuilder sb = new StringBuilder();
      for (String n : tree.listXattrs(path)) {
        sb.append(n).append('\0');
      }
      byte[] v = sb.toString().getBytes(StandardCharsets.UTF_8);
      if (size == 0) {
        return v.length;
      }
      if (size < v.length) {
        return -ErrorCodes.ERANGE();
      }
      list.put(0, v, 0, v.length);
      return v.length;
    } catch (Exception e) {
      return Errno.of(e, "listxattr", path);
    }
  }

  @Override
  public int removexattr(String path, String name) {
    try {
      tree.removeXattr(path, name);
      return 0;
    } catch (Exception e) {
      return Errno.of(e, "removexattr", path);
    }
  }
}
