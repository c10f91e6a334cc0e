package io.chunkstore.fsck;

import io.chunkstore.fs.FileTree;
import io.chunkstore.index.DirEntry;
import io.chunkstore.index.Index;
import io.chunkstore.index.InodeRecord;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** The names of inodes, found by one walk of the tree: what a finding says it hurts. */
final class Paths {
  private Paths() {}

  /** Every path of every inode in {@code wanted} (all names of a hard-linked file). */
  static Map<Long, List<String>> of(Index index, Set<Long> wanted) {
    Map<Long, List<String>> out = new HashMap<>();
    if (wanted.isEmpty()) {
      return out;
    }
    Set<Long> seenDirs = new HashSet<>();
    ArrayDeque<Object[]> stack = new ArrayDeque<>();
    stack.push(new Object[] {FileTree.ROOT, "/"});
    seenDirs.add(FileTree.ROOT);
    while (!stack.isEmpty()) {
      Object[] top = stack.pop();
      long dir = (Long) top[0];
      String base = top[1].equals("/") ? "/" : top[1] + "/";
      for (DirEntry e : index.list(dir)) {
        String p = base + e.name();
        if (wanted.contains(e.ino())) {
          out.computeIfAbsent(e.ino(), k -> new ArrayList<>()).add(p);
        }
        if ((e.mode() & InodeRecord.S_IFMT) == InodeRecord.S_IFDIR && seenDirs.add(e.ino())) {
          stack.push(new Object[] {e.ino(), p});
        }
      }
    }
    for (long ino : wanted) {
      out.computeIfAbsent(ino, k -> List.of("(inode " + k + ", which no directory names)"));
    }
    return out;
  }

  /** The paths of {@code inos}, sorted, at most {@link StructuralCheck#MAX_PATHS} of them. */
  static List<String> limited(Map<Long, List<String>> paths, Collection<Long> inos) {
    List<String> out = new ArrayList<>();
    for (long ino : inos) {
      out.addAll(paths.getOrDefault(ino, List.of()));
    }
    out.sort(null);
    if (out.size() > StructuralCheck.MAX_PATHS) {
      int more = out.size() - StructuralCheck.MAX_PATHS;
      out = new ArrayList<>(out.subList(0, StructuralCheck.MAX_PATHS));
      out.add("… and " + more + " more");
    }
    return out;
  }
}
