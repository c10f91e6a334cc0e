package io.chunkstore.fuse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.chunkstore.ChunkStore;
import io.chunkstore.backend.LocalDiskBackend;
import io.chunkstore.compress.Codecs;
import io.chunkstore.hashing.BouncyCastleBlake3Hasher;
import io.chunkstore.hashing.Hasher;
import io.chunkstore.hashing.Hashers;
import io.chunkstore.id.BlockId;
import io.chunkstore.internal.Internals;
import io.chunkstore.pack.SuperChunkReader;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Many files written through the mount and overwritten in place, each fsynced: every block must
 * be stored under its own hash, and every file must read back as written. (This found block ids
 * of all zeros: the hasher, once compiled by C2, sometimes returns 32 zero bytes, and every later
 * chunk that "hashes" to zero dedups against the first one.) "Its own hash" is checked for every
 * indexed block: its bytes, read from the pack around the store's read path, are hashed again by
 * the reference implementation (Bouncy Castle for BLAKE3), not by the hasher that named it, whose
 * mistakes the store's own read check would repeat.
 */
class OverwriteInPlaceTest extends MountTestBase {
  private static final int OPS = 700;

  @BeforeEach
  void mount() throws Exception {
    mount = MountedStore.create(tmp.resolve("fuse"),
        io.chunkstore.StoreConfig.defaults().withPackSize(4 << 20), MountedStore.defaultOptions());
  }

  @Test
  void everyBlockIsStoredUnderItsOwnHashAndEveryFileReadsBack() throws Exception {
    Random r = new Random(1);
    Map<String, String> expected = new LinkedHashMap<>();
    Map<String, Integer> sizes = new LinkedHashMap<>();
    List<String> names = new ArrayList<>();
    Files.createDirectory(mount.path("w"));
    String writeFailure = null;
    for (int i = 0; i < OPS && writeFailure == null; i++) {
      boolean overwrite = !names.isEmpty() && r.nextInt(4) == 0;
      String name = overwrite ? names.get(r.nextInt(names.size())) : "w/f" + i;
      int size = overwrite ? sizes.get(name) : r.nextInt(1 << 20);
      byte[] b = new byte[size];
      r.nextBytes(b);
      int shift = r.nextInt(1000);
      for (int j = 0; j < size / 2; j++) {
        b[j] = (byte) ((j + shift) / 1000); // a compressible half
      }
      Path p = mount.path(name);
      expected.remove(name);
      try (FileChannel ch = overwrite ? FileChannel.open(p, StandardOpenOption.WRITE)
          : FileChannel.open(p, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
        ByteBuffer bb = ByteBuffer.wrap(b);
        while (bb.hasRemaining()) {
          ch.write(bb, bb.position());
        }
        ch.force(true);
      } catch (java.io.IOException e) {
        // an overwrite re-reads neighbouring blocks; one stored under a wrong id fails with EIO
        writeFailure = "op " + i + ", " + (overwrite ? "overwriting " : "writing ") + name + ": " + e;
        continue;
      }
      expected.put(name, sha256(b));
      if (!overwrite) {
        names.add(name);
        sizes.put(name, size);
      }
    }
    mount.close();

    try (ChunkStore s = ChunkStore.open(mount.store())) {
      List<String> wrong = new ArrayList<>();
      Hasher hasher = Hashers.byName(s.config().hash());
      Internals.index(s).forEachBlock((id, rec) -> {
        if (id.equals(BlockId.wrap(new byte[BlockId.LENGTH])) && wrong.size() < 10) {
          wrong.add("block " + id.hex() + " in pack " + rec.pack() + " at " + rec.frameOffset() + " ("
              + rec.length() + " bytes), true hash " + trueHash(s, hasher, id, rec.length()));
        }
      });
      List<String> misnamed = new ArrayList<>();
      int[] checked = {0};
      Hasher reference = referenceHasher(s.config().hash());
      LocalDiskBackend packs = new LocalDiskBackend(s.directory().resolve("packs"));
      Map<String, byte[]> frames = new java.util.HashMap<>();
      Internals.index(s).forEachBlock((id, rec) -> {
        try {
          byte[] frame = frames.computeIfAbsent(rec.pack() + "@" + rec.frameOffset(), k -> {
            try {
              return SuperChunkReader.readFrame(packs, rec.pack(), rec.frameOffset(), rec.frameLength(), Codecs::byId);
            } catch (java.io.IOException e) {
              throw new java.io.UncheckedIOException(e);
            }
          });
          BlockId actual = reference.hash(frame, rec.offsetInFrame(), rec.length());
          if (!actual.equals(id) && misnamed.size() < 10) {
            misnamed.add("block " + id.hex() + " in pack " + rec.pack() + " at " + rec.frameOffset() + " ("
                + rec.length() + " bytes) has hash " + actual.hex());
          }
          checked[0]++;
        } catch (RuntimeException e) {
          misnamed.add("block " + id.hex() + ": unreadable from pack " + rec.pack() + ": " + e.getMessage());
        }
        if (frames.size() > 256) {
          frames.clear(); // the index is in id order, not pack order: keep memory bounded
        }
      });
      List<String> unreadable = new ArrayList<>();
      for (Map.Entry<String, String> e : expected.entrySet()) {
        try (InputStream in = s.newInputStream("/" + e.getKey())) {
          String got = sha256(in.readAllBytes());
          if (!got.equals(e.getValue())) {
            unreadable.add(e.getKey() + ": different content");
          }
        } catch (java.io.IOException ex) {
          unreadable.add(e.getKey() + ": " + ex.getMessage());
        }
      }
      if (writeFailure != null || !wrong.isEmpty() || !unreadable.isEmpty() || !misnamed.isEmpty()) {
        fail("write failure: " + writeFailure + "\nblocks stored under an id of zeros: " + wrong + "\nfiles that do not read back ("
            + unreadable.size() + " of " + expected.size() + "): "
            + unreadable.subList(0, Math.min(10, unreadable.size()))
            + "\nblocks whose bytes do not hash to their id (reference " + reference.name() + "): " + misnamed);
      }
      assertTrue(checked[0] > OPS, "every indexed block was hashed again: " + checked[0]);
      FuseTests.assertRefcountsMatchExtents(s);
      assertEquals(0, Internals.index(s).orphans().size());
    }
  }

  /** An implementation of the store's hash that the store itself does not use to name blocks. */
  private static Hasher referenceHasher(String hash) {
    return hash.equals(io.chunkstore.hashing.Blake3Hasher.NAME) ? new BouncyCastleBlake3Hasher()
        : hash.equals(BouncyCastleBlake3Hasher.NAME) ? new io.chunkstore.hashing.Blake3Hasher() : Hashers.byName(hash);
  }

  private static String trueHash(ChunkStore s, Hasher hasher, BlockId id, int length) {
    try {
      byte[] raw = new byte[length];
      // read() checks the hash, so go around it: find the bytes through the pack reader
      var rec = Internals.index(s).block(id).orElseThrow();
      byte[] frame = io.chunkstore.pack.SuperChunkReader.readFrame(new io.chunkstore.backend.LocalDiskBackend(
          s.directory().resolve("packs")), rec.pack(), rec.frameOffset(), rec.frameLength(),
          io.chunkstore.compress.Codecs::byId);
      System.arraycopy(frame, rec.offsetInFrame(), raw, 0, length);
      return hasher.hash(raw).hex();
    } catch (Exception e) {
      return "(unreadable: " + e.getMessage() + ")";
    }
  }

  private static String sha256(byte[] b) throws Exception {
    return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
  }
}
