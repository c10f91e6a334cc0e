package io.chunkstore;

import io.chunkstore.index.InodeRecord;
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
 */
public record FileInfo(String path, Type type, long size, int permissions, int uid, int gid, Instant modified,
    Instant accessed, Instant changed, int links, long inode, String symlinkTarget) {

  /** The kinds of entries a store holds. */
  public enum Type {
    /** A regular file. */
    FILE,
    /** A directory. */
    DIRECTORY,
    /** A symbolic link. */
    SYMLINK,
    /** Anything else (device nodes, FIFOs, sockets made through FUSE). */
    OTHER
  }

  static FileInfo of(String path, InodeRecord n) {
    Type t = n.isRegularFile() ? Type.FILE : n.isDirectory() ? Type.DIRECTORY : n.isSymlink() ? Type.SYMLINK : Type.OTHER;
    return new FileInfo(path, t, n.size(), n.mode() & 07777, n.uid(), n.gid(), instant(n.mtimeNanos()),
        instant(n.atimeNanos()), instant(n.ctimeNanos()), n.nlink(), n.ino(), n.symlinkTarget());
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
