package io.chunkstore.fs;

import io.chunkstore.index.Batch;
import io.chunkstore.index.DirEntry;
import io.chunkstore.index.Index;
import io.chunkstore.index.InodeRecord;
import java.util.Optional;

/**
 * {@code /lost+found}: where repair links inodes that no directory names any more, as
 * {@code #<ino>}, so that nothing a check finds is thrown away. Used offline by maintenance, in
 * one batch with the rest of a repair; the directory is made on first use.
 */
public final class LostAndFound {
  /** The directory's name in the root. */
  public static final String NAME = "lost+found";

  private final Index index;
  private InodeRecord dir;
  private int dirLinks;
  private boolean rootLinked;

  /** Repair state over {@code index}; nothing is written until {@link #adopt}. */
  public LostAndFound(Index index) {
    this.index = index;
  }

  /**
   * Links {@code node} into {@code /lost+found} in {@code batch}, making the directory if it does
   * not exist, and sets the node's link count to 1 (a directory's to 2).
   *
   * @return the path it now has
   */
  public String adopt(Batch batch, InodeRecord node) {
    long now = System.currentTimeMillis() * 1_000_000L;
    ensureDir(batch, now);
    String name = "#" + node.ino();
    batch.putDirEntry(dir.ino(), new DirEntry(name, node.ino(), node.mode()));
    batch.putInode(node.withNlink(node.isDirectory() ? 2 : 1, now));
    if (node.isDirectory()) {
      dirLinks++;
    }
    batch.putInode(dir.withNlink(dirLinks, now));
    return "/" + NAME + "/" + name;
  }

  private void ensureDir(Batch batch, long now) {
    if (dir != null) {
      return;
    }
    Optional<DirEntry> existing = index.lookup(FileTree.ROOT, NAME);
    if (existing.isPresent()) {
      Optional<InodeRecord> n = index.inode(existing.get().ino());
      if (n.isPresent() && n.get().isDirectory()) {
        dir = n.get();
        dirLinks = dir.nlink();
        return;
      }
      if (n.isPresent()) {
        throw new IllegalStateException("/" + NAME + " is not a directory; rename it so that repair can make one");
      }
    }
    long next = index.meta(FileTree.NEXT_INO).map(FileTree::decodeLong).orElse(FileTree.ROOT + 1);
    InodeRecord root = index.inode(FileTree.ROOT).orElseThrow(() ->
        new IllegalStateException("the root directory is missing; open the store once to recreate it"));
    dir = new InodeRecord(next, InodeRecord.S_IFDIR | 0700, 2, root.uid(), root.gid(), 0, now, now, now, 0, null);
    dirLinks = 2;
    batch.putMeta(FileTree.NEXT_INO, FileTree.encodeLong(next + 1));
    batch.putInode(dir);
    batch.putDirEntry(FileTree.ROOT, new DirEntry(NAME, dir.ino(), dir.mode()));
    if (!rootLinked) {
      batch.putInode(root.withNlink(root.nlink() + 1, now));
      rootLinked = true;
    }
  }
}
