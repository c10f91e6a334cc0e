package io.chunkstore.fs;

import io.chunkstore.index.InodeRecord;

/**
 * What the file tree tells about an inode, as {@code stat(2)} would: the fs layer's own value, so
 * that callers above it (the FUSE adapters, the library API) never see the index's records.
 *
 * @param ino the inode number; {@link FileTree#ROOT} is the root directory
 * @param mode the POSIX mode: file type bits ({@link #S_IFDIR}, {@link #S_IFREG}, ...) and permissions
 * @param nlink the number of directory entries that name this inode
 * @param uid owner
 * @param gid group
 * @param size length in bytes (of the target, for a symlink), with writes not yet folded
 * @param atimeNanos last access, nanoseconds since the epoch
 * @param mtimeNanos last content change
 * @param ctimeNanos last attribute change
 * @param rdev device number for device nodes, else 0
 * @param symlinkTarget the target of a symlink, else null
 */
public record Stat(long ino, int mode, int nlink, int uid, int gid, long size, long atimeNanos, long mtimeNanos,
    long ctimeNanos, long rdev, String symlinkTarget) {

  /** {@code S_IFMT}: the file type bits of a mode. */
  public static final int S_IFMT = InodeRecord.S_IFMT;
  /** Directory. */
  public static final int S_IFDIR = InodeRecord.S_IFDIR;
  /** Regular file. */
  public static final int S_IFREG = InodeRecord.S_IFREG;
  /** Symbolic link. */
  public static final int S_IFLNK = InodeRecord.S_IFLNK;

  static Stat of(InodeRecord n) {
    return new Stat(n.ino(), n.mode(), n.nlink(), n.uid(), n.gid(), n.size(), n.atimeNanos(), n.mtimeNanos(),
        n.ctimeNanos(), n.rdev(), n.symlinkTarget());
  }

  /** True for a directory. */
  public boolean isDirectory() {
    return (mode & S_IFMT) == S_IFDIR;
  }

  /** True for a regular file. */
  public boolean isRegularFile() {
    return (mode & S_IFMT) == S_IFREG;
  }

  /** True for a symbolic link. */
  public boolean isSymlink() {
    return (mode & S_IFMT) == S_IFLNK;
  }
}
