package io.chunkstore;

import io.chunkstore.fs.Stat;
import java.time.Instant;

/**
 * What {@link ChunkStore#stat} tells about a file, directory or symlink.
 *
 * @param path the path it was looked up by
 * @param type regular file, directory or symlink
 * @param size length in bytes
 * @param permissions permission bits ({@code 07777})
 * @param uid owner
 * @param gid group
 * @param modified last content change
 * @param accessed last access
 * @param changed last attribute change
 * @param links number of directory entries naming it
 * @param inode its inode number, unique in the store
 * @param symlinkTarget the target for a symlink, else null
 * @param device the device number of a character or block device, else 0
 */
public record FileInfo(String path, Type type, long size, int permissions, int uid, int gid, Instant modified,
    Instant accessed, Instant changed, int links, long inode, String symlinkTarget, long device) {

  /** The kinds of entries a store holds. */
  public enum Type {
    /** A regular file. */
    FILE,
    /** A directory. */
    DIRECTORY,
    /** A symbolic link. */
    SYMLINK,
    /** A named pipe. */
    FIFO,
    /** A character device. */
    CHARACTER_DEVICE,
    /** A block device. */
    BLOCK_DEVICE,
    /** A Unix domain socket's name. */
    SOCKET,
    /** Anything else. */
    OTHER;

    /** The {@code S_IFMT} bits of this type, as {@code mknod(2)} takes them. */
    public int modeBits() {
      return switch (this) {
        case FILE -> 0100000;
        case DIRECTORY -> 0040000;
        case SYMLINK -> 0120000;
        case FIFO -> 0010000;
        case CHARACTER_DEVICE -> 0020000;
        case BLOCK_DEVICE -> 0060000;
        case SOCKET -> 0140000;
        case OTHER -> 0;
      };
    }

    /** The type whose {@code S_IFMT} bits {@code mode} has. */
    public static Type ofMode(int mode) {
      for (Type t : values()) {
        if (t != OTHER && (mode & 0170000) == t.modeBits()) {
          return t;
        }
      }
      return OTHER;
    }
  }

  static FileInfo of(String path, Stat n) {
    return new FileInfo(path, Type.ofMode(n.mode()), n.size(), n.mode() & 07777, n.uid(), n.gid(), instant(n.mtimeNanos()),
        instant(n.atimeNanos()), instant(n.ctimeNanos()), n.nlink(), n.ino(), n.symlinkTarget(), n.rdev());
  }

  private static Instant instant(long nanos) {
    return Instant.ofEpochSecond(Math.floorDiv(nanos, 1_000_000_000L), Math.floorMod(nanos, 1_000_000_000L));
  }

  /** True for a directory. */
  public boolean isDirectory() {
    return type == Type.DIRECTORY;
  }

  /** True for a regular file. */
  public boolean isFile() {
    return type == Type.FILE;
  }
}
