package io.chunkstore.pack;

import static io.chunkstore.pack.PackTestData.compressible;
import static io.chunkstore.pack.PackTestData.idOf;
import static io.chunkstore.pack.PackTestData.incompressible;
import static io.chunkstore.pack.TestCodecs.DEFLATE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.chunkstore.id.PackId;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SuperChunkWriterTest {
  @TempDir Path tmp;

  private final Random random = new Random(11);
  private FailingChannel channel;

  private SuperChunkWriter failingWriter(Path file, int frameSize) throws IOException {
    return new SuperChunkWriter(PackId.random(), file, DEFLATE, frameSize, f -> {
      channel = new FailingChannel(FileChannel.open(f, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE));
      return channel;
    });
  }

  private PreparedBlock block(int size, int frameSize) {
    byte[] b = incompressible(random, size);
    return PreparedBlock.prepare(idOf(b), b, 0, b.length, DEFLATE, frameSize);
  }

  private static void assertBroken(SuperChunkWriter w, PreparedBlock next) {
    IOException add = assertThrows(IOException.class, () -> w.add(next));
    assertTrue(add.getMessage().startsWith("pack writer failed earlier: "), add.getMessage());
    IOException finish = assertThrows(IOException.class, w::finish);
    assertTrue(finish.getMessage().startsWith("pack writer failed earlier: "), finish.getMessage());
  }

  @Test
  void closeWithoutFinishDeletesTheFile() throws IOException {
    Path file = tmp.resolve("p1");
    SuperChunkWriter w = new SuperChunkWriter(PackId.random(), file, DEFLATE, 4096);
    w.add(block(10_000, 4096));
    w.add(block(100, 4096));
    assertTrue(Files.exists(file));
    w.close();
    assertFalse(Files.exists(file));
    assertThrows(IOException.class, () -> w.add(block(100, 4096)));
    assertThrows(IOException.class, w::finish);
    w.close();
  }

  @Test
  void existingFileIsNotOverwrittenNorDeleted() throws IOException {
    Path file = Files.write(tmp.resolve("taken"), new byte[] {1, 2, 3});
    assertThrows(FileAlreadyExistsException.class, () -> new SuperChunkWriter(PackId.random(), file, DEFLATE, 0));
    assertEquals(3, Files.size(file));
  }

  @Test
  void failedWriteBreaksTheWriterForGood() throws IOException {
    Path file = tmp.resolve("p2");
    SuperChunkWriter w = failingWriter(file, 4096);
    w.add(block(5000, 4096));
    channel.failAfterBytes = 8000;
    PreparedBlock lost = block(5000, 4096);
    IOException first = assertThrows(IOException.class, () -> w.add(lost));
    assertEquals("No space left on device", first.getMessage());
    assertFalse(w.contains(lost.id()), "a block that failed to go in is not in the pack");
    assertEquals(1, w.blockCount());
    channel.failAfterBytes = -1; // the disk has room again: the writer must stay broken
    assertBroken(w, block(100, 4096));
    assertBroken(w, lost);
    w.close();
    assertFalse(Files.exists(file));
  }

  @Test
  void failedSharedFrameFlushBreaksTheWriter() throws IOException {
    Path file = tmp.resolve("p3");
    SuperChunkWriter w = failingWriter(file, 4096);
    channel.failAfterBytes = 100;
    w.add(block(1000, 4096)); // buffered, nothing written yet
    assertThrows(IOException.class, w::finish);
    assertBroken(w, block(100, 4096));
    w.close();
    assertFalse(Files.exists(file));
  }

  @Test
  void failedFsyncBreaksTheWriter() throws IOException {
    Path file = tmp.resolve("p4");
    SuperChunkWriter w = failingWriter(file, 4096);
    w.add(block(3000, 4096));
    channel.failForce = true;
    IOException e = assertThrows(IOException.class, w::finish);
    assertEquals("Input/output error", e.getMessage());
    assertBroken(w, block(100, 4096));
    w.close();
    assertFalse(Files.exists(file));
  }

  @Test
  void trailerDamagedOnTheWayToDiskIsCaughtByTheReRead() throws IOException {
    Path file = tmp.resolve("p5");
    SuperChunkWriter w = failingWriter(file, 0);
    w.add(block(3000, 0));
    w.add(block(300, 0));
    channel.corruptNextWrite = true; // every frame is written already: the next write is the trailer
    assertThrows(CorruptPackException.class, w::finish);
    assertBroken(w, block(100, 4096));
    w.close();
    assertFalse(Files.exists(file));
  }

  @Test
  void lostTrailerWriteIsCaughtByTheReRead() throws IOException {
    Path file = tmp.resolve("p6");
    SuperChunkWriter w = failingWriter(file, 0);
    w.add(block(3000, 0));
    channel.dropNextWrite = true;
    CorruptPackException e = assertThrows(CorruptPackException.class, w::finish);
    assertTrue(e.getMessage().contains("bytes after writing"), e.getMessage());
    w.close();
  }

  @Test
  void sizeTracksWhatIsAdded() throws IOException {
    Path file = tmp.resolve("p7");
    try (SuperChunkWriter w = new SuperChunkWriter(PackId.random(), file, DEFLATE, 8192)) {
      long empty = w.size();
      assertEquals(PackFormat.HEADER_LENGTH + 4 + PackFormat.FOOTER_LENGTH, empty);
      PreparedBlock solo = block(6000, 8192);
      w.add(solo);
      assertEquals(empty + solo.storedLength(), w.size());
      byte[] text = compressible(random, 2000);
      PreparedBlock small = PreparedBlock.prepare(idOf(text), text, 0, text.length, DEFLATE, 8192);
      w.add(small);
      long estimate = w.size();
      assertTrue(estimate >= empty + solo.storedLength() + small.storedLength(), "buffered blocks count at raw size");
      PackManifest m = w.finish();
      assertTrue(m.size() <= estimate, "the estimate is an upper bound");
      assertEquals(m.size(), w.size());
    }
  }
}
