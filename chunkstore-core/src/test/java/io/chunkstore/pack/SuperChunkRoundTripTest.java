package io.chunkstore.pack;

import static io.chunkstore.pack.PackTestData.compressible;
import static io.chunkstore.pack.PackTestData.idOf;
import static io.chunkstore.pack.PackTestData.incompressible;
import static io.chunkstore.pack.TestCodecs.DEFLATE;
import static io.chunkstore.pack.TestCodecs.LOOKUP;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.chunkstore.backend.Backend;
import io.chunkstore.backend.InMemoryBackend;
import io.chunkstore.backend.LocalDiskBackend;
import io.chunkstore.id.BlockId;
import io.chunkstore.id.PackId;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class SuperChunkRoundTripTest {
  @TempDir Path tmp;

  private Backend backend(String kind) throws IOException {
    return kind.equals("local") ? new LocalDiskBackend(tmp.resolve("packs")) : new InMemoryBackend();
  }

  @ParameterizedTest
  @ValueSource(strings = {"local", "memory"})
  void mixedBlocksRoundTripThroughABackend(String kind) throws IOException {
    int frameSize = 64 * 1024;
    Random r = new Random(kind.hashCode());
    Map<BlockId, byte[]> blocks = new LinkedHashMap<>();
    PackId id = PackId.random();
    Path file = Files.createDirectories(tmp.resolve("staging")).resolve(id.hex());
    PackManifest written;
    try (SuperChunkWriter w = new SuperChunkWriter(id, file, DEFLATE, frameSize)) {
      for (int i = 0; i < 400; i++) {
        int pick = r.nextInt(10);
        int size =
            pick < 6 ? r.nextInt(8 * 1024) : pick < 8 ? 16 * 1024 + r.nextInt(16 * 1024) : 32 * 1024 + r.nextInt(200 * 1024);
        byte[] data = r.nextBoolean() ? compressible(r, size) : incompressible(r, size);
        BlockId bid = idOf(data);
        // embed the block in a larger buffer to check off/len handling
        byte[] buf = new byte[size + 20];
        System.arraycopy(data, 0, buf, 7, size);
        PreparedBlock pb = PreparedBlock.prepare(bid, buf, 7, size, DEFLATE, frameSize);
        assertEquals(size >= frameSize / 2, pb.solo());
        Arrays.fill(buf, (byte) 0); // the prepared block must not share the caller's buffer
        w.add(pb);
        blocks.put(bid, data);
        assertTrue(w.contains(bid));
      }
      byte[] empty = new byte[0];
      w.add(PreparedBlock.prepare(idOf(empty), empty, 0, 0, DEFLATE, frameSize));
      blocks.put(idOf(empty), empty);
      int count = w.blockCount();
      assertEquals(blocks.size(), count);
      BlockId first = blocks.keySet().iterator().next();
      byte[] again = blocks.get(first);
      w.add(PreparedBlock.prepare(first, again, 0, again.length, DEFLATE, frameSize));
      assertEquals(count, w.blockCount(), "a block already in the pack is added once");
      assertFalse(w.contains(idOf(new byte[] {1, 2, 3})));

      written = w.finish();
      assertEquals(Files.size(file), written.size());
      assertEquals(written.size(), w.size(), "size() is exact once nothing is buffered");
    }
    assertTrue(Files.exists(file), "close() after finish() keeps the pack");

    try (Backend backend = backend(kind)) {
      backend.put(id.hex(), file);
      PackManifest read = SuperChunkReader.readManifest(backend, id);
      assertEquals(written, read);
      assertEquals(blocks.size(), read.entries().size());

      Set<Byte> codecs = new HashSet<>();
      Map<Long, Integer> blocksPerFrame = new TreeMap<>();
      Map<Long, Integer> frameLengths = new TreeMap<>();
      for (PackEntry e : read.entries()) {
        byte[] raw = SuperChunkReader.readFrame(backend, id, e.frameOffset(), e.frameLength(), LOOKUP);
        byte[] block = Arrays.copyOfRange(raw, e.offsetInFrame(), e.offsetInFrame() + e.length());
        assertArrayEquals(blocks.get(e.id()), block, "block " + e.id().shortHex());
        codecs.add(e.codec());
        blocksPerFrame.merge(e.frameOffset(), 1, Integer::sum);
        frameLengths.put(e.frameOffset(), e.frameLength());
      }
      assertEquals(Set.of((byte) 0, (byte) 100), codecs, "both compressed and raw frames");
      assertTrue(blocksPerFrame.values().stream().anyMatch(n -> n > 1), "some shared frames");
      assertTrue(blocksPerFrame.values().stream().anyMatch(n -> n == 1), "some solo frames");
      // frames are back to back from the header to the trailer
      long expect = PackFormat.HEADER_LENGTH;
      for (Map.Entry<Long, Integer> f : frameLengths.entrySet()) {
        assertEquals(expect, f.getKey());
        expect += f.getValue();
      }
      assertEquals(read.size() - PackFormat.FOOTER_LENGTH - 4 - (long) read.entries().size() * PackFormat.ENTRY_LENGTH, expect);
    }
  }

  @Test
  void frameSizeZeroGivesEveryBlockItsOwnFrame() throws IOException {
    Random r = new Random(1);
    PackId id = PackId.random();
    Path file = tmp.resolve(id.hex());
    PackManifest m;
    try (SuperChunkWriter w = new SuperChunkWriter(id, file, DEFLATE, 0)) {
      for (int i = 0; i < 20; i++) {
        byte[] data = compressible(r, 10 + r.nextInt(3000));
        PreparedBlock pb = PreparedBlock.prepare(idOf(data), data, 0, data.length, DEFLATE, 0);
        assertTrue(pb.solo());
        w.add(pb);
      }
      m = w.finish();
    }
    assertEquals(20, m.entries().size());
    assertEquals(20, m.entries().stream().map(PackEntry::frameOffset).distinct().count());
    assertTrue(m.entries().stream().allMatch(e -> e.offsetInFrame() == 0));
    assertEquals(m, SuperChunkReader.readManifest(file, id));
  }

  @Test
  void incompressibleBlocksAreStoredRaw() throws IOException {
    Random r = new Random(2);
    int frameSize = 64 * 1024;
    byte[] noise = incompressible(r, 100_000);
    PreparedBlock raw = PreparedBlock.prepare(idOf(noise), noise, 0, noise.length, DEFLATE, frameSize);
    assertTrue(raw.solo());
    assertEquals(noise.length + PackFormat.FRAME_OVERHEAD + PackFormat.ENTRY_LENGTH, raw.storedLength());
    byte[] text = compressible(r, 100_000);
    PreparedBlock packed = PreparedBlock.prepare(idOf(text), text, 0, text.length, DEFLATE, frameSize);
    assertTrue(packed.storedLength() < text.length / 2, "text compresses");
    List<byte[]> smallNoise = List.of(incompressible(r, 1000), incompressible(r, 2000));

    PackId id = PackId.random();
    Path file = tmp.resolve(id.hex());
    PackManifest m;
    try (SuperChunkWriter w = new SuperChunkWriter(id, file, DEFLATE, frameSize)) {
      w.add(raw);
      w.add(packed);
      for (byte[] b : smallNoise) {
        w.add(PreparedBlock.prepare(idOf(b), b, 0, b.length, DEFLATE, frameSize));
      }
      m = w.finish();
    }
    Map<BlockId, PackEntry> byId = new LinkedHashMap<>();
    m.entries().forEach(e -> byId.put(e.id(), e));
    assertEquals(0, byId.get(idOf(noise)).codec());
    assertEquals(noise.length + PackFormat.FRAME_OVERHEAD, byId.get(idOf(noise)).frameLength());
    assertEquals(100, byId.get(idOf(text)).codec());
    for (byte[] b : smallNoise) {
      assertEquals(0, byId.get(idOf(b)).codec(), "a shared frame of noise is stored raw");
    }
    // raw frames need no codec at all
    byte[] frame = Files.readAllBytes(file);
    PackEntry e = byId.get(idOf(noise));
    CodecLookup none = codecId -> {
      throw new IOException("no codec expected for id " + codecId);
    };
    assertArrayEquals(noise, SuperChunkReader.decodeFrame(frame, (int) e.frameOffset(), e.frameLength(), none));
  }

  @Test
  void identityCodecWritesRawFrames() throws IOException {
    byte[] text = compressible(new Random(3), 5000);
    PackId id = PackId.random();
    Path file = tmp.resolve(id.hex());
    PackManifest m;
    try (SuperChunkWriter w = new SuperChunkWriter(id, file, TestCodecs.IDENTITY, 4096)) {
      w.add(PreparedBlock.prepare(idOf(Arrays.copyOf(text, 1000)), text, 0, 1000, TestCodecs.IDENTITY, 4096));
      w.add(PreparedBlock.prepare(idOf(text), text, 0, 5000, TestCodecs.IDENTITY, 4096));
      m = w.finish();
    }
    assertEquals(2, m.entries().size());
    assertTrue(m.entries().stream().allMatch(e -> e.codec() == 0));
  }

  @Test
  void emptyPackRoundTrips() throws IOException {
    PackId id = PackId.random();
    Path file = tmp.resolve(id.hex());
    try (SuperChunkWriter w = new SuperChunkWriter(id, file, DEFLATE, 1024)) {
      PackManifest m = w.finish();
      assertEquals(List.of(), m.entries());
      assertEquals(PackFormat.HEADER_LENGTH + 4 + PackFormat.FOOTER_LENGTH, m.size());
      assertEquals(m, w.finish(), "finish() twice returns the same manifest");
      assertEquals(m, SuperChunkReader.readManifest(file, id));
    }
  }

  @Test
  void scanFramesFindsEveryFrameWithoutTheTrailer() throws IOException {
    Random r = new Random(4);
    PackId id = PackId.random();
    Path file = tmp.resolve(id.hex());
    PackManifest m;
    try (SuperChunkWriter w = new SuperChunkWriter(id, file, DEFLATE, 4096)) {
      for (int i = 0; i < 50; i++) {
        byte[] data = r.nextBoolean() ? compressible(r, r.nextInt(5000)) : incompressible(r, r.nextInt(5000));
        w.add(PreparedBlock.prepare(idOf(data), data, 0, data.length, DEFLATE, 4096));
      }
      m = w.finish();
    }
    Map<Long, Integer> expected = new TreeMap<>();
    m.entries().forEach(e -> expected.put(e.frameOffset(), e.frameLength()));

    List<FrameInfo> frames = SuperChunkReader.scanFrames(file, id);
    assertEquals(expected.size(), frames.size());
    for (FrameInfo f : frames) {
      assertEquals(expected.get(f.offset()), f.length());
      assertTrue(f.checksumOk());
    }

    // damage the trailer: the frames are still found from the frames alone
    byte[] bytes = Files.readAllBytes(file);
    bytes[bytes.length - 20] ^= 1;
    FrameInfo second = frames.get(1);
    bytes[(int) second.offset() + 10] ^= 4;
    Files.write(file, bytes);
    List<FrameInfo> scanned = SuperChunkReader.scanFrames(file, id);
    assertEquals(frames.size(), scanned.size());
    for (int i = 0; i < frames.size(); i++) {
      assertEquals(frames.get(i).offset(), scanned.get(i).offset());
      assertEquals(i != 1, scanned.get(i).checksumOk());
    }
  }
}
