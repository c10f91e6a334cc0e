package io.chunkstore.fs;

import io.chunkstore.index.DirEntry;
import java.util.ArrayList;
import java.util.List;

/**
 * A name in a directory, as the file tree lists it.
 *
 * @param name the entry's name (no slashes)
 * @param ino the inode it names
 * @param mode the inode's mode when it was linked; its type bits ({@link Stat#S_IFMT}) let a
 *     listing skip inode lookups
 */
public record DirectoryEntry(String name, long ino, int mode) {
  static List<DirectoryEntry> all(List<DirEntry> entries) {
    List<DirectoryEntry> out = new ArrayList<>(entries.size());
    for (DirEntry e : entries) {
      out.add(new DirectoryEntry(e.name(), e.ino(), e.mode()));
    }
    return out;
  }
}
