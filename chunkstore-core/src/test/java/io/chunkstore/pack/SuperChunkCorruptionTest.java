package io.chunkstore.pack;

import static io.chunkstore.pack.PackTestData.compressible;
import static io.chunkstore.pack.PackTestData.idOf;
import static io.chunkstore.pack.PackTestData.incompressible;
import static io.chunkstore.pack.TestCodecs.DEFLATE;
import static io.chunkstore.pack.TestCodecs.LOOKUP;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.chunkstore.backend.FaultInjectingBackend;
import io.chunkstore.backend.InMemoryBackend;
import io.chunkstore.compress.Codec;
import io.chunkstore.id.PackId;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Damage is always an error naming the pack, never wrong bytes. */
class SuperChunkCorruptionTest {
  @TempDir Path tmp;

  private final FaultInjectingBackend backend = new FaultInjectingBackend(new InMemoryBackend());
  private PackId id;
  private byte[] pack;
  private PackManifest manifest;

  /** A small pack: a shared compressed frame, a solo compressed frame and a solo raw frame. */
  @BeforeEach
  void writeSmallPack() throws IOException {
    Random r = new Random(7);
    int frameSize = 1024;
    id = PackId.random();
    Path file = tmp.resolve(id.hex());
    try (SuperChunkWriter w = new SuperChunkWriter(id, file, DEFLATE, frameSize)) {
      for (byte[] b :
          new byte[][] {
            compressible(r, 200), compressible(r, 300), compressible(r, 1500), incompressible(r, 600)
          }) {
        w.add(PreparedBlock.prepare(idOf(b), b, 0, b.length, DEFLATE, frameSize));
      }
      manifest = w.finish();
    }
    pack = Files.readAllBytes(file);
    backend.put(id.hex(), file);
    assertEquals(3, manifest.entries().stream().map(PackEntry::frameOffset).distinct().count());
  }

  private void store(PackId key, byte[] bytes) throws IOException {
    Path f = tmp.resolve("put-" + key.hex());
    Files.write(f, bytes);
    backend.put(key.hex(), f);
  }

  @Test
  void everyFlippedBitInEveryFrameIsDetected() throws IOException {
    TreeMap<Long, Integer> frames = new TreeMap<>();
    manifest.entries().forEach(e -> frames.put(e.frameOffset(), e.frameLength()));
    for (var f : frames.entrySet()) {
      byte[] good = SuperChunkReader.readFrame(backend, id, f.getKey(), f.getValue(), LOOKUP);
      for (long off = f.getKey(); off < f.getKey() + f.getValue(); off++) {
        for (int bit = 0; bit < 8; bit++) {
          backend.flipBit(id.hex(), off, bit);
          long at = off;
          CorruptPackException e =
              assertThrows(
                  CorruptPackException.class,
                  () -> SuperChunkReader.readFrame(backend, id, f.getKey(), f.getValue(), LOOKUP),
                  () -> "bit " + at + "." + "flipped, frame at " + f.getKey());
          assertEquals(id, e.pack());
          assertEquals((long) f.getKey(), e.offset());
        }
      }
      backend.heal();
      assertArrayEquals(good, SuperChunkReader.readFrame(backend, id, f.getKey(), f.getValue(), LOOKUP));
    }
  }

  @Test
  void messageNamesPackAndOffset() {
    PackEntry e = manifest.entries().get(0);
    backend.flipBit(id.hex(), e.frameOffset() + 11, 0);
    CorruptPackException ex =
        assertThrows(
            CorruptPackException.class,
            () -> SuperChunkReader.readFrame(backend, id, e.frameOffset(), e.frameLength(), LOOKUP));
    assertEquals(
        "pack " + id.hex() + " is damaged at offset " + e.frameOffset() + ": frame checksum mismatch",
        ex.getMessage());
  }

  @Test
  void everyFlippedBitInTheTrailerIsDetected() throws IOException {
    long trailerStart = manifest.size() - PackFormat.FOOTER_LENGTH - 4 - 4L * PackFormat.ENTRY_LENGTH;
    assertEquals(manifest, SuperChunkReader.readManifest(backend, id));
    for (long off = trailerStart; off < manifest.size(); off++) {
      for (int bit = 0; bit < 8; bit++) {
        backend.flipBit(id.hex(), off, bit);
        long at = off;
        assertThrows(
            CorruptPackException.class,
            () -> SuperChunkReader.readManifest(backend, id),
            () -> "bit flipped at " + at);
      }
    }
  }

  @Test
  void everyFlippedBitInTheHeaderIsAnError() {
    for (long off = 0; off < PackFormat.HEADER_LENGTH; off++) {
      for (int bit = 0; bit < 8; bit++) {
        backend.flipBit(id.hex(), off, bit);
        IOException e = assertThrows(IOException.class, () -> SuperChunkReader.readManifest(backend, id));
        assertTrue(e.getMessage().contains(id.hex()), e.getMessage());
        assertEquals(off != 4, e instanceof CorruptPackException, e.getMessage());
      }
    }
  }

  @Test
  void truncatedPackIsCorrupt() throws IOException {
    long trailerStart = manifest.size() - PackFormat.FOOTER_LENGTH - 4 - 4L * PackFormat.ENTRY_LENGTH;
    for (long cut : new long[] {manifest.size() - 1, manifest.size() - 12, trailerStart, trailerStart - 1, 100, 24, 23, 8, 0}) {
      PackId t = PackId.random();
      store(t, Arrays.copyOf(pack, (int) cut));
      assertThrows(CorruptPackException.class, () -> SuperChunkReader.readManifest(backend, t), "cut at " + cut);
      for (PackEntry e : manifest.entries()) {
        if (e.frameOffset() + e.frameLength() > cut) {
          CorruptPackException ex =
              assertThrows(
                  CorruptPackException.class,
                  () -> SuperChunkReader.readFrame(backend, t, e.frameOffset(), e.frameLength(), LOOKUP));
          assertTrue(ex.getMessage().contains("ends inside"), ex.getMessage());
        }
      }
    }
  }

  @Test
  void notAPackIsAClearError() throws IOException {
    PackId other = PackId.random();
    store(other, "this is a text file and certainly not a pack of blocks\n".getBytes());
    CorruptPackException e =
        assertThrows(CorruptPackException.class, () -> SuperChunkReader.readManifest(backend, other));
    assertTrue(e.getMessage().contains("not a chunkstore pack"), e.getMessage());
    assertTrue(e.getMessage().startsWith("pack " + other.hex() + " is damaged at offset 0"), e.getMessage());
  }

  @Test
  void newerVersionIsAClearErrorButNotCorruption() throws IOException {
    PackId v2 = PackId.random();
    byte[] copy = pack.clone();
    copy[4] = 2;
    store(v2, copy);
    IOException e = assertThrows(IOException.class, () -> SuperChunkReader.readManifest(backend, v2));
    assertFalse(e instanceof CorruptPackException);
    assertTrue(e.getMessage().contains("format version 2"), e.getMessage());
  }

  @Test
  void missingPackIsNoSuchFile() {
    PackId missing = PackId.random();
    assertThrows(NoSuchFileException.class, () -> SuperChunkReader.readManifest(backend, missing));
    assertThrows(NoSuchFileException.class, () -> SuperChunkReader.readFrame(backend, missing, 8, 20, LOOKUP));
  }

  @Test
  void wrongFrameBoundsAreCorrupt() {
    PackEntry e = manifest.entries().get(0);
    assertThrows(CorruptPackException.class,
        () -> SuperChunkReader.readFrame(backend, id, e.frameOffset(), e.frameLength() - 1, LOOKUP));
    assertThrows(CorruptPackException.class,
        () -> SuperChunkReader.readFrame(backend, id, e.frameOffset() + 1, e.frameLength(), LOOKUP));
    assertThrows(CorruptPackException.class,
        () -> SuperChunkReader.readFrame(backend, id, e.frameOffset(), 5, LOOKUP));
  }

  @Test
  void unknownCodecIsAnErrorButNotCorruption() {
    PackEntry e = manifest.entries().stream().filter(x -> x.codec() == 100).findFirst().orElseThrow();
    CodecLookup onlyNone = codecId -> {
      throw new IOException("unknown codec id " + codecId);
    };
    IOException ex = assertThrows(IOException.class,
        () -> SuperChunkReader.readFrame(backend, id, e.frameOffset(), e.frameLength(), onlyNone));
    assertFalse(ex instanceof CorruptPackException);
  }

  @Test
  void frameThatPassesItsChecksumButDoesNotDecompressIsCorrupt() {
    // a buggy or different codec wrote the frame under id 100: the checksum is right, the data is not deflate
    Codec garbage = new TestCodecs.DeflateCodec((byte) 100) {
      @Override
      public int compress(byte[] src, int srcOff, int len, byte[] dst, int dstOff) {
        Arrays.fill(dst, dstOff, dstOff + len / 2, (byte) 0xff);
        return len / 2;
      }
    };
    byte[] raw = compressible(new Random(1), 1000);
    byte[] frame = PackFormat.encodeFrame(garbage, raw, 0, raw.length);
    assertEquals(100, frame[0]);
    CorruptPackException e = assertThrows(CorruptPackException.class,
        () -> SuperChunkReader.decodeFrame(frame, 0, frame.length, LOOKUP));
    assertTrue(e.getMessage().startsWith("a pack is damaged: frame does not decompress"), e.getMessage());
  }
}
