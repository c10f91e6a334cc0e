package io.chunkstore.index;

import java.nio.charset.StandardCharsets;

/**
 * The attributes of a file, directory or symlink, as stored.
 *
 * @param ino the inode number; 1 is the root directory
 * @param mode the POSIX mode: file type bits ({@code S_IFREG}, {@code S_IFDIR}, ...) and permissions
 * @param nlink the number of directory entries that name this inode
 * @param uid owner
 * @param gid group
 * @param size length in bytes (of the target, for a symlink)
 * @param atimeNanos last access, nanoseconds since the epoch
 * @param mtimeNanos last content change
 * @param ctimeNanos last attribute change
 * @param rdev device number for device nodes, else 0
 * @param symlinkTarget the target of a symlink, else null
 */
public record InodeRecord(long ino, int mode, int nlink, int uid, int gid, long size, long atimeNanos,
    long mtimeNanos, long ctimeNanos, long rdev, String symlinkTarget) {

  /** {@code S_IFMT}: the file type bits of a mode. */
  public static final int S_IFMT = 0170000;
  /** Directory. */
  public static final int S_IFDIR = 0040000;
  /** Regular file. */
  public static final int S_IFREG = 0100000;
  /** Symbolic link. */
  public static final int S_IFLNK = 0120000;

  private static final int FIXED = 4 + 4 + 4 + 4 + 8 * 5;

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

  /** A copy with another size and modification time (and the change time no older than it). */
  public InodeRecord withContent(long newSize, long mtime) {
    return new InodeRecord(ino, mode, nlink, uid, gid, newSize, atimeNanos, mtime, Math.max(ctimeNanos, mtime), rdev,
        symlinkTarget);
  }

  /** A copy with another link count. */
  public InodeRecord withNlink(int n, long ctime) {
    return new InodeRecord(ino, mode, n, uid, gid, size, atimeNanos, mtimeNanos, ctime, rdev, symlinkTarget);
  }

  byte[] encode() {
    byte[] target = symlinkTarget == null ? new byte[0] : symlinkTarget.getBytes(StandardCharsets.UTF_8);
    byte[] b = new byte[FIXED + target.length];
    Codec64.putInt(b, 0, mode);
    Codec64.putInt(b, 4, nlink);
    Codec64.putInt(b, 8, uid);
    Codec64.putInt(b, 12, gid);
    Codec64.putLong(b, 16, size);
    Codec64.putLong(b, 24, atimeNanos);
    Codec64.putLong(b, 32, mtimeNanos);
    Codec64.putLong(b, 40, ctimeNanos);
    Codec64.putLong(b, 48, rdev);
    System.arraycopy(target, 0, b, FIXED, target.length);
    return b;
  }

  static InodeRecord decode(long ino, byte[] b) {
    int mode = Codec64.getInt(b, 0);
    String target = (mode & S_IFMT) == S_IFLNK
        ? new String(b, FIXED, b.length - FIXED, StandardCharsets.UTF_8) : null;
    return new InodeRecord(ino, mode, Codec64.getInt(b, 4), Codec64.getInt(b, 8), Codec64.getInt(b, 12),
        Codec64.getLong(b, 16), Codec64.getLong(b, 24), Codec64.getLong(b, 32), Codec64.getLong(b, 40),
        Codec64.getLong(b, 48), target);
  }
}
