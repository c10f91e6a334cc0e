package io.chunkstore.fuse;

import io.chunkstore.fs.FileTree;
import java.io.IOException;

/**
 * fallocate(2) for both adapters: the mode bits mapped onto the fs layer's hole punching and
 * preallocation. Collapse and insert ranges are not supported.
 */
final class Fallocate {
  static final int FALLOC_FL_KEEP_SIZE = 0x01;
  static final int FALLOC_FL_PUNCH_HOLE = 0x02;
  static final int FALLOC_FL_ZERO_RANGE = 0x10;

  private Fallocate() {}

  /** Returns false if {@code mode} asks for something not supported (EOPNOTSUPP). */
  static boolean apply(FileTree tree, long fh, int mode, long offset, long length) throws IOException {
    if ((mode & ~(FALLOC_FL_KEEP_SIZE | FALLOC_FL_PUNCH_HOLE | FALLOC_FL_ZERO_RANGE)) != 0) {
      return false;
    }
    if ((mode & (FALLOC_FL_PUNCH_HOLE | FALLOC_FL_ZERO_RANGE)) != 0) {
      tree.punchHole(fh, offset, length);
    }
    if ((mode & FALLOC_FL_PUNCH_HOLE) == 0) {
      tree.allocate(fh, offset, length, (mode & FALLOC_FL_KEEP_SIZE) != 0);
    }
    return true;
  }
}
