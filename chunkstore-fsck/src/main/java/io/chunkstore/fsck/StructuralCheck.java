package io.chunkstore.fsck;

import io.chunkstore.backend.Backend;
import io.chunkstore.fs.FileTree;
import io.chunkstore.fs.LostAndFound;
import io.chunkstore.id.BlockId;
import io.chunkstore.id.PackId;
import io.chunkstore.index.BlockRecord;
import io.chunkstore.index.Counter;
import io.chunkstore.index.DirEntry;
import io.chunkstore.index.Index;
import io.chunkstore.index.InodeRecord;
import io.chunkstore.index.PackRecord;
import io.chunkstore.index.ScratchCounts;
import io.chunkstore.pack.PackEntry;
import io.chunkstore.pack.PackManifest;
import io.chunkstore.pack.SuperChunkReader;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Set;
import java.util.stream.Stream;

/**
 * The structural check: the index against itself and against the packs' trailers, without reading
 * pack data. Directory entries against inodes, link counts, every extent's block known, refcounts
 * against a fresh recount, block entries against their pack's trailer, every recorded pack present
 * with its size, objects nothing records, counters against a recount, leftovers in staging.
 *
 * <p>Memory: the recounts live in a {@link ScratchCounts} table on disk, so what the check holds
 * grows with one pack's trailer and the number of packs, not with the number of blocks or files.
 * Only the blocks that are missing, and the inodes they hurt, are kept in memory.
 */
public final class StructuralCheck {
  /** How many paths a finding lists at most; the JSON says how many there were. */
  static final int MAX_PATHS = 100;

  private final MaintenanceStore store;
  private final Index index;
  private final ProgressListener progress;
  private final Cancellation cancel;
  private final Report report = new Report();

  /** Missing blocks and the inodes whose extents name them. */
  private final Map<BlockId, Set<Long>> missing = new LinkedHashMap<>();
  /** How many block entries point into each pack. */
  private final Map<PackId, Long> entriesPerPack = new HashMap<>();
  private final LostAndFound lostAndFound;

  StructuralCheck(MaintenanceStore store, ProgressListener progress, Cancellation cancel) {
    this.store = store;
    this.index = store.index();
    this.progress = progress;
    this.cancel = cancel;
    this.lostAndFound = new LostAndFound(index);
  }

  /** Runs every structural check on {@code store}. */
  public static Report run(MaintenanceStore store, ProgressListener progress, Cancellation cancel) throws IOException {
    return new StructuralCheck(store, progress, cancel).run();
  }

  Report run() throws IOException {
    try (ScratchCounts counts = ScratchCounts.create()) {
      progress.start("checking the file tree", -1);
      long logical = checkNamespace(counts);
      checkInodes(counts, logical);
      checkDirEntryParents();
      checkExtents(counts);
      progress.done();
      progress.start("checking blocks and refcounts", -1);
      checkBlocks(counts);
      progress.done();
    }
    progress.start("checking packs", -1);
    checkPacks();
    checkStaging();
    checkPermissions();
    progress.done();
    reportMissingBlocks();
    return report;
  }

  // ---- the file tree

  /** Walks the tree from the root, counting the entries that name each inode. Returns logical bytes. */
  private long checkNamespace(ScratchCounts links) throws IOException {
    InodeRecord root = index.inode(FileTree.ROOT).orElse(null);
    if (root == null || !root.isDirectory()) {
      report.add(Finding.of(Finding.Kind.DANGLING_ENTRY, "/", "the root directory is missing; the next open of the store makes a new, empty one", null));
      return 0;
    }
    links.addInode(FileTree.ROOT, 1);
    long logical = 0;
    ArrayDeque<Object[]> stack = new ArrayDeque<>();
    stack.push(new Object[] {root, "/"});
    while (!stack.isEmpty()) {
      cancel.check();
      Object[] top = stack.pop();
      InodeRecord dir = (InodeRecord) top[0];
      String path = (String) top[1];
      String base = path.equals("/") ? "/" : path + "/";
      int subdirs = 0;
      for (DirEntry e : index.list(dir.ino())) {
        String p = base + e.name();
        InodeRecord n = index.inode(e.ino()).orElse(null);
        if (n == null) {
          long parent = dir.ino();
          String name = e.name();
          report.add(new Finding(Finding.Kind.DANGLING_ENTRY, p, "the entry names inode " + e.ino() + ", which does not exist",
              List.of(p), b -> b.deleteDirEntry(parent, name)));
          continue;
        }
        if ((e.mode() & InodeRecord.S_IFMT) != (n.mode() & InodeRecord.S_IFMT)) {
          long parent = dir.ino();
          DirEntry fixedEntry = new DirEntry(e.name(), e.ino(), n.mode());
          report.add(new Finding(Finding.Kind.ENTRY_TYPE_MISMATCH, p, "the entry's type differs from its inode's",
              List.of(p), b -> b.putDirEntry(parent, fixedEntry)));
        }
        boolean first = links.inode(n.ino()) == 0;
        links.addInode(n.ino(), 1);
        if (n.isDirectory()) {
          subdirs++;
          if (first) {
            stack.push(new Object[] {n, p});
          }
        } else if (first && n.isRegularFile()) {
          logical += n.size();
        }
      }
      int expected = 2 + subdirs;
      if (dir.nlink() != expected) {
        InodeRecord fixed = dir.withNlink(expected, dir.ctimeNanos());
        report.add(new Finding(Finding.Kind.LINK_COUNT, path, "the directory's link count is " + dir.nlink()
            + ", but it has " + subdirs + " subdirectories (expected " + expected + ")", List.of(path), b -> b.putInode(fixed)));
      }
      report.addToFigure("directories", 1);
    }
    return logical;
  }

  /** Every inode: its link count against the entries found, and inodes nothing names. */
  private void checkInodes(ScratchCounts links, long logicalFromTree) {
    Set<Long> orphans = new HashSet<>(index.orphans());
    long[] logical = {0};
    long[] inodes = {0};
    index.forEachInode(n -> {
      inodes[0]++;
      long found = links.inode(n.ino());
      if (n.isRegularFile() && n.nlink() > 0) {
        logical[0] += n.size();
      }
      if (found == 0) {
        if (orphans.contains(n.ino())) {
          report.add(Finding.of(Finding.Kind.PENDING_ORPHAN, "inode " + n.ino(),
              "unlinked while open; freed when the store is next opened", null));
        } else if (n.ino() != FileTree.ROOT) {
          report.add(Finding.of(Finding.Kind.UNREACHABLE_INODE, "inode " + n.ino(),
              "no directory names this " + kindOf(n) + " of " + n.size() + " bytes; repair links it into /"
                  + LostAndFound.NAME, b -> lostAndFound.adopt(b, n)));
        }
      } else if (!n.isDirectory() && n.nlink() != found) {
        InodeRecord fixed = n.withNlink((int) found, n.ctimeNanos());
        report.add(Finding.of(Finding.Kind.LINK_COUNT, "inode " + n.ino(), "the link count is " + n.nlink()
            + ", but " + found + " entries name it", b -> b.putInode(fixed)));
      }
    });
    report.figure("inodes", inodes[0]);
    long counted = index.counter(Counter.LOGICAL_BYTES);
    checkCounter(Counter.LOGICAL_BYTES, counted, logical[0]);
  }

  /** Entries whose parent is not a directory that exists: the walk from the root never sees them. */
  private void checkDirEntryParents() {
    long[] lastParent = {-1};
    boolean[] parentOk = {false};
    index.forEachDirEntry((parent, e) -> {
      if (parent != lastParent[0]) {
        lastParent[0] = parent;
        parentOk[0] = index.inode(parent).map(InodeRecord::isDirectory).orElse(false);
      }
      if (!parentOk[0]) {
        String name = e.name();
        report.add(Finding.of(Finding.Kind.DANGLING_ENTRY, "entry " + name + " of inode " + parent,
            "its directory does not exist", b -> b.deleteDirEntry(parent, name)));
      }
    });
  }

  /** Every extent: its inode, its block, and the recount of references. */
  private void checkExtents(ScratchCounts refs) {
    long[] lastIno = {-1};
    boolean[] isFile = {false};
    long[] extents = {0};
    index.forEachExtent((ino, e) -> {
      extents[0]++;
      if ((extents[0] & 0xfff) == 0) {
        cancel.check();
      }
      if (ino != lastIno[0]) {
        lastIno[0] = ino;
        isFile[0] = index.inode(ino).map(InodeRecord::isRegularFile).orElse(false);
        if (!isFile[0]) {
          report.add(Finding.of(Finding.Kind.ORPHAN_EXTENT, "inode " + ino,
              "extents belong to an inode that " + (index.inode(ino).isPresent() ? "is not a regular file" : "does not exist"),
              b -> index.forEachExtent(ino, x -> b.deleteExtent(ino, x.fileOffset()))));
        }
      }
      if (!isFile[0]) {
        return; // repair drops them; their references are not counted, so refcounts follow
      }
      refs.addBlock(e.block(), 1);
      BlockRecord rec = index.block(e.block()).orElse(null);
      if (rec == null) {
        missing.computeIfAbsent(e.block(), k -> new HashSet<>()).add(ino);
      } else if ((long) e.blockOffset() + e.length() > rec.length()) {
        report.add(Finding.of(Finding.Kind.EXTENT_OUT_OF_BLOCK, "inode " + ino + " at " + e.fileOffset(),
            "the extent reaches " + (e.blockOffset() + e.length()) + " bytes into block " + e.block().shortHex()
                + " of " + rec.length(), null));
      }
    });
    report.figure("extents", extents[0]);
  }

  // ---- blocks

  private void checkBlocks(ScratchCounts recount) {
    long[] blocks = {0};
    long[] raw = {0};
    long[] unreferenced = {0};
    long[] unreferencedBytes = {0};
    index.forEachBlock((id, rec) -> {
      blocks[0]++;
      raw[0] += rec.length();
      entriesPerPack.merge(rec.pack(), 1L, Long::sum);
      long stored = index.refCount(id);
      long counted = recount.block(id);
      if (stored != counted) {
        report.add(refcountMismatch(id, stored, counted));
      }
      if (counted == 0) {
        unreferenced[0]++;
        unreferencedBytes[0] += rec.length();
      }
      progress.advance(rec.length());
    });
    // refcounts of blocks without an entry (missing, or dropped by gc while still named)
    index.forEachRef((id, stored) -> {
      if (index.block(id).isEmpty() && stored != recount.block(id)) {
        report.add(refcountMismatch(id, stored, recount.block(id)));
      }
    });
    recount.forEachBlock((id, counted) -> {
      if (index.block(id).isEmpty() && index.refCount(id) == 0 && counted != 0) {
        report.add(refcountMismatch(id, 0, counted));
      }
    });
    if (unreferenced[0] > 0) {
      report.add(Finding.of(Finding.Kind.UNREFERENCED_BLOCKS, unreferenced[0] + " blocks",
          unreferenced[0] + " blocks (" + unreferencedBytes[0] + " bytes before compression) are named by no file;"
              + " gc frees their space", null));
    }
    report.figure("blocks", blocks[0]);
    report.figure("unreferencedBlocks", unreferenced[0]);
    checkCounter(Counter.UNIQUE_BLOCKS, index.counter(Counter.UNIQUE_BLOCKS), blocks[0]);
    checkCounter(Counter.UNIQUE_RAW_BYTES, index.counter(Counter.UNIQUE_RAW_BYTES), raw[0]);
  }

  private Finding refcountMismatch(BlockId id, long stored, long counted) {
    boolean indexed = index.block(id).isPresent();
    return Finding.of(Finding.Kind.REFCOUNT_MISMATCH, "block " + id.hex(),
        "the refcount is " + stored + ", but " + counted + " extents name the block", b -> {
          if (counted == 0 && !indexed) {
            b.deleteBlock(id);
          } else {
            b.setRef(id, counted);
          }
        });
  }

  // ---- packs

  private void checkPacks() throws IOException {
    Backend backend = store.backend();
    Set<PackId> recorded = new HashSet<>();
    long[] packs = {0};
    long[] packBytes = {0};
    List<PackRecord> all = new ArrayList<>();
    index.forEachPack(all::add);
    for (PackRecord p : all) {
      cancel.check();
      recorded.add(p.id());
      packs[0]++;
      packBytes[0] += p.size();
      if (p.state() != PackRecord.State.STORED) {
        report.add(Finding.of(Finding.Kind.RETIRED_PACK, "pack " + p.id().hex(), (p.state() == PackRecord.State.RETIRED
            ? "retired" : "written") + " by a gc that did not finish; the next gc deletes it", null));
        checkNothingPointsInto(p.id(), Set.of(), entriesPerPack.getOrDefault(p.id(), 0L));
        continue;
      }
      OptionalLong size = backend.stat(p.id().hex());
      if (size.isEmpty()) {
        PackId id = p.id();
        long size0 = p.size();
        report.add(Finding.of(Finding.Kind.MISSING_PACK, "pack " + id.hex(), "the pack is not in "
            + backend.describe() + " (" + entriesPerPack.getOrDefault(id, 0L) + " blocks point into it)", b -> {
              b.deletePack(id);
              b.addCounter(Counter.PACKS, -1);
              b.addCounter(Counter.PACK_BYTES, -size0);
            }));
        continue;
      }
      if (size.getAsLong() != p.size()) {
        report.add(Finding.of(Finding.Kind.PACK_SIZE_MISMATCH, "pack " + p.id().hex(), "the pack has " + size.getAsLong()
            + " bytes, but its record says " + p.size() + " (truncated or replaced?); --read-data finds the blocks it hurts", null));
      }
      PackManifest m;
      try {
        m = SuperChunkReader.readManifest(backend, p.id());
      } catch (IOException e) {
        report.add(Finding.of(Finding.Kind.DAMAGED_PACK, "pack " + p.id().hex(),
            "its trailer cannot be read (" + e.getMessage() + "); --read-data finds the blocks it hurts", null));
        continue;
      }
      Set<BlockId> listed = new HashSet<>();
      long matched = 0;
      for (PackEntry e : m.entries()) {
        listed.add(e.id());
        BlockRecord rec = index.block(e.id()).orElse(null);
        if (rec == null || !rec.pack().equals(p.id())) {
          continue; // a copy no entry uses: garbage that gc drops with the pack
        }
        matched++;
        BlockRecord fromTrailer = new BlockRecord(p.id(), e.frameOffset(), e.frameLength(), e.offsetInFrame(), e.length());
        if (!fromTrailer.equals(rec)) {
          BlockId id = e.id();
          report.add(Finding.of(Finding.Kind.BLOCK_ENTRY_MISMATCH, "block " + id.hex(),
              "its entry " + describe(rec) + " differs from pack " + p.id().hex() + "'s trailer " + describe(fromTrailer),
              b -> b.putBlock(id, fromTrailer)));
        }
      }
      checkNothingPointsInto(p.id(), listed, entriesPerPack.getOrDefault(p.id(), 0L) - matched);
    }
    // entries pointing into packs that are not recorded (and not being written in staging)
    Set<PackId> staged = stagedPackIds();
    for (Map.Entry<PackId, Long> e : entriesPerPack.entrySet()) {
      // online, a pack being sealed has entries before its record: an offline check tells
      if (!recorded.contains(e.getKey()) && !staged.contains(e.getKey()) && !store.live()) {
        checkNothingPointsInto(e.getKey(), Set.of(), e.getValue());
      }
    }
    for (String key : backend.list("")) {
      var id = MaintenanceStore.packKey(key);
      if (id.isEmpty()) {
        report.add(Finding.of(Finding.Kind.UNKNOWN_OBJECT, key, "an object in " + backend.describe() + " that is not a pack", null));
      } else if (!recorded.contains(id.get()) && store.live()) {
        report.add(Finding.of(Finding.Kind.UNRECORDED_PACK, "pack " + id.get().hex(), "not recorded when the check"
            + " began: sealed since, or a seal in progress; an offline check tells for sure", null));
      } else if (!recorded.contains(id.get())) {
        PackId pid = id.get();
        report.add(Finding.of(Finding.Kind.ORPHAN_PACK, "pack " + pid.hex(), "the pack is in " + backend.describe()
            + " but no record names it; repair records it, and blocks the index lost point into it again",
            b -> PackAdoption.adopt(store, b, pid)));
      }
    }
    report.figure("packs", packs[0]);
    checkCounter(Counter.PACKS, index.counter(Counter.PACKS), packs[0]);
    checkCounter(Counter.PACK_BYTES, index.counter(Counter.PACK_BYTES), packBytes[0]);
  }

  /** Reports the entries that point into {@code pack} but are not in {@code listed}, if there are any. */
  private void checkNothingPointsInto(PackId pack, Set<BlockId> listed, long unmatched) {
    if (unmatched <= 0) {
      return;
    }
    index.forEachBlock((id, rec) -> {
      if (rec.pack().equals(pack) && !listed.contains(id)) {
        report.add(Finding.of(Finding.Kind.DANGLING_BLOCK_ENTRY, "block " + id.hex(),
            "its entry points into pack " + pack.hex() + ", which does not hold it; repair quarantines it", b -> {
              b.quarantineBlock(id);
              b.addCounter(Counter.UNIQUE_BLOCKS, -1);
              b.addCounter(Counter.UNIQUE_RAW_BYTES, -rec.length());
            }));
      }
    });
  }

  private Set<PackId> stagedPackIds() throws IOException {
    Set<PackId> out = new HashSet<>();
    Path staging = store.directory().stagingDir();
    if (!Files.isDirectory(staging)) {
      return out;
    }
    try (Stream<Path> s = Files.list(staging)) {
      for (Path p : s.toList()) {
        String name = p.getFileName().toString();
        int dot = name.indexOf('.');
        MaintenanceStore.packKey(dot < 0 ? name : name.substring(0, dot)).ifPresent(out::add);
      }
    }
    return out;
  }

  private void checkStaging() throws IOException {
    Path staging = store.directory().stagingDir();
    if (store.live() || !Files.isDirectory(staging)) { // an open store writes its next pack there
      return;
    }
    try (Stream<Path> s = Files.list(staging)) {
      for (Path p : s.filter(Files::isRegularFile).toList()) { // upload/ is a remote backend's queue
        report.add(Finding.of(Finding.Kind.STAGING_LEFTOVER, "staging/" + p.getFileName(),
            "left by a process that did not close the store; the next open recovers its blocks", null));
      }
    }
  }

  private void checkPermissions() throws IOException {
    store.directory().restrictIndexFiles(); // what RocksDB made with the process umask is ours to close
    var perms = store.directory().permissions();
    var open = perms.check(store.root(), 1000);
    if (store.live()) {
      // an open store makes files all the time (RocksDB's, a new pack) and gives them their modes
      // right after; inside a directory that is closed to others they are out of reach meanwhile
      var exposedDirs = open.stream().filter(x -> x.directory()).map(x -> x.path()).collect(java.util.stream.Collectors.toSet());
      open = open.stream().filter(x -> x.directory() || exposedDirs.contains(x.path().getParent())).toList();
    }
    if (!open.isEmpty()) {
      var first = open.get(0);
      report.add(Finding.of(Finding.Kind.STORE_OPEN_TO_OTHERS, store.root().toString(), (open.size() >= 1000 ? "1000 or more" : open.size())
          + " paths of the store let in users it is not for (" + first.path() + " is " + first.modeString()
          + "); repair gives every path the store's mode", b -> perms.fix(store.root())));
    }
  }

  // ---- counters and paths

  private void checkCounter(Counter c, long stored, long counted) {
    if (stored != counted) {
      report.add(Finding.of(Finding.Kind.COUNTER_MISMATCH, c.name().toLowerCase(java.util.Locale.ROOT),
          "the counter is " + stored + ", a recount gives " + counted, b -> b.setCounter(c, counted)));
    }
  }

  private void reportMissingBlocks() throws IOException {
    if (missing.isEmpty()) {
      return;
    }
    Set<Long> inos = new HashSet<>();
    missing.values().forEach(inos::addAll);
    Map<Long, List<String>> paths = Paths.of(index, inos);
    for (Map.Entry<BlockId, Set<Long>> e : missing.entrySet()) {
      report.add(new Finding(Finding.Kind.MISSING_BLOCK, "block " + e.getKey().hex(),
          "files name this block, but the store has no copy of it (lost or quarantined); reading it fails until"
              + " the same content is written again or --repair-from finds it",
          Paths.limited(paths, e.getValue()), null));
    }
    report.figure("missingBlocks", missing.size());
  }

  /** The missing blocks found, with the inodes they hurt. */
  Map<BlockId, Set<Long>> missingBlocks() {
    return missing;
  }

  private static String describe(BlockRecord r) {
    return "(frame " + r.frameOffset() + "+" + r.frameLength() + ", at " + r.offsetInFrame() + ", " + r.length() + " bytes)";
  }

  private static String kindOf(InodeRecord n) {
    return n.isDirectory() ? "directory" : n.isSymlink() ? "symlink" : n.isRegularFile() ? "file" : "special file";
  }
}
