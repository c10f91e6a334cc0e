package io.chunkstore.fsck;

import io.chunkstore.ChunkStore;
import io.chunkstore.chunking.Chunker;
import io.chunkstore.compress.Codec;
import io.chunkstore.compress.Codecs;
import io.chunkstore.hashing.Hasher;
import io.chunkstore.id.BlockId;
import io.chunkstore.index.Batch;
import io.chunkstore.index.Index;
import io.chunkstore.internal.Internals;
import io.chunkstore.pack.PreparedBlock;
import io.chunkstore.store.BlockStore;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

/**
 * {@code --repair-from DIR}: cuts the files under DIR with the store's own chunker and stores every
 * block whose hash a file of the store names but the store lacks (missing, or quarantined by
 * {@code --repair}). Since files name blocks by content, one good copy heals every file that
 * shares the block.
 */
public final class RepairFrom {
  private RepairFrom() {}

  /** Restores what it can from {@code source}; reports the files healed and those still hurt. */
  public static Report run(Path root, Path source, ProgressListener progress, Cancellation cancel) throws IOException {
    if (!Files.exists(source)) {
      throw new java.nio.file.NoSuchFileException(source.toString(), null, "there is nothing at " + source + " to repair from");
    }
    Report report = new Report();
    try (ChunkStore store = ChunkStore.open(root)) {
      Index index = Internals.index(store);
      Map<BlockId, Set<Long>> wanted = missingBlocks(index);
      report.figure("missingBefore", wanted.size());
      Set<Long> hurtBefore = new HashSet<>();
      wanted.values().forEach(hurtBefore::addAll);
      if (!wanted.isEmpty()) {
        restore(store, source, wanted.keySet(), report, progress, cancel);
      }
      Map<BlockId, Set<Long>> still = missingBlocks(index);
      Set<Long> hurtAfter = new HashSet<>();
      still.values().forEach(hurtAfter::addAll);
      Set<Long> healed = new HashSet<>(hurtBefore);
      healed.removeAll(hurtAfter);
      Set<Long> all = new HashSet<>(hurtBefore);
      Map<Long, List<String>> paths = Paths.of(index, all);
      report.figure("blocksRestored", wanted.size() - still.size());
      report.figure("filesHealed", healed.size());
      report.figure("filesStillHurt", hurtAfter.size());
      for (long ino : healed) {
        Finding f = new Finding(Finding.Kind.MISSING_BLOCK, "inode " + ino, "healed: every missing block of the file was found in "
            + source, paths.getOrDefault(ino, List.of()), null);
        report.fixed(f);
      }
      for (Map.Entry<BlockId, Set<Long>> e : still.entrySet()) {
        report.add(new Finding(Finding.Kind.MISSING_BLOCK, "block " + e.getKey().hex(),
            "still missing: no file under " + source + " holds this block", Paths.limited(paths, e.getValue()), null));
      }
    }
    return report;
  }

  /** Blocks that extents name but the index has no entry for, with the inodes that name them. */
  static Map<BlockId, Set<Long>> missingBlocks(Index index) {
    Map<BlockId, Set<Long>> out = new HashMap<>();
    index.forEachExtent((ino, e) -> {
      if (index.block(e.block()).isEmpty()) {
        out.computeIfAbsent(e.block(), k -> new HashSet<>()).add(ino);
      }
    });
    return out;
  }

  private static void restore(ChunkStore store, Path source, Set<BlockId> wanted, Report report,
      ProgressListener progress, Cancellation cancel) throws IOException {
    BlockStore blocks = Internals.blocks(store);
    Chunker chunker = blocks.chunker();
    Hasher hasher = blocks.hasher();
    Codec codec = Codecs.parse(store.config().compression());
    int frameSize = store.config().frameSize();
    Set<BlockId> left = new HashSet<>(wanted);
    List<Path> files = new ArrayList<>();
    try (Stream<Path> s = Files.walk(source)) {
      s.filter(Files::isRegularFile).forEach(files::add);
    }
    progress.start("looking for lost blocks in " + source, files.stream().mapToLong(RepairFrom::sizeOf).sum());
    byte[] buf = new byte[Math.max(1 << 20, 2 * chunker.maxSize())];
    for (Path file : files) {
      if (left.isEmpty()) {
        break;
      }
      cancel.check();
      try (InputStream in = Files.newInputStream(file)) {
        int len = 0;
        boolean eof = false;
        while (!eof || len > 0) {
          while (!eof && len < buf.length) {
            int n = in.read(buf, len, buf.length - len);
            if (n < 0) {
              eof = true;
            } else {
              len += n;
            }
          }
          int pos = 0;
          while (len - pos >= chunker.maxSize() || (eof && pos < len)) {
            int cut = chunker.cut(buf, pos, Math.min(len - pos, chunker.maxSize()));
            BlockId id = hasher.hash(buf, pos, cut);
            if (left.remove(id)) {
              blocks.add(PreparedBlock.prepare(id, buf, pos, cut, codec, frameSize));
            }
            pos += cut;
          }
          progress.advance(pos);
          System.arraycopy(buf, pos, buf, 0, len - pos);
          len -= pos;
        }
      } catch (IOException e) {
        report.add(Finding.of(Finding.Kind.UNKNOWN_OBJECT, file.toString(), "cannot be read: " + e.getMessage(), null));
      }
    }
    progress.done();
    try (Batch b = Internals.index(store).batch()) {
      blocks.commit(b, true);
    }
    store.flush();
  }

  private static long sizeOf(Path p) {
    try {
      return Files.size(p);
    } catch (IOException e) {
      return 0;
    }
  }
}
