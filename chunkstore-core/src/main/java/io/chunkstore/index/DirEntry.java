package io.chunkstore.index;

/**
 * A name in a directory.
 *
 * @param name the entry's name (no slashes)
 * @param ino the inode it names
 * @param mode the inode's mode at link time; its type bits let a listing skip inode lookups
 */
public record DirEntry(String name, long ino, int mode) {
  byte[] encodeValue() {
    byte[] b = new byte[12];
    Codec64.putLong(b, 0, ino);
    Codec64.putInt(b, 8, mode);
    return b;
  }

  static DirEntry decode(String name, byte[] v) {
    return new DirEntry(name, Codec64.getLong(v, 0), Codec64.getInt(v, 8));
  }
}
