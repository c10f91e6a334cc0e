package io.chunkstore.store;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.chunkstore.StoreConfig;
import io.chunkstore.TestData;
import io.chunkstore.backend.FaultInjectingBackend;
import io.chunkstore.backend.LocalDiskBackend;
import io.chunkstore.Attributes;
import io.chunkstore.fs.FileTree;
import io.chunkstore.index.Index;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.Channels;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A backend that fails (full disk, dead node, flipped bits) loses nothing already stored. */
class BlockStoreFaultTest {
  @TempDir
  Path tmp;

  private static final StoreConfig CONFIG = StoreConfig.defaults().withPackSize(1 << 20);

  private static byte[] read(FileTree tree, String path) throws IOException {
    try (InputStream in = Channels.newInputStream(tree.openRead(path))) {
      return in.readAllBytes();
    }
  }

  @Test
  void aFullDiskFailsTheWriteAndKeepsWhatWasStored() throws IOException {
    Path staging = Files.createDirectories(tmp.resolve("staging"));
    byte[] kept = TestData.bytes(1, 600_000);
    byte[] big = TestData.bytes(2, 4 << 20);
    try (Index index = Index.open(tmp.resolve("index"))) {
      FaultInjectingBackend backend = new FaultInjectingBackend(new LocalDiskBackend(tmp.resolve("packs")));
      BlockStore blocks = BlockStore.open(index, backend, CONFIG, staging, 1 << 20, 2);
      FileTree tree = new FileTree(index, blocks);
      tree.writeFile("/kept", new ByteArrayInputStream(kept), Attributes.none());
      blocks.sealOpenPack();
      backend.diskFull(true);
      IOException e = assertThrows(IOException.class, () -> {
        tree.writeFile("/big", new ByteArrayInputStream(big), Attributes.none());
        blocks.sealOpenPack();
      });
      assertTrue(String.valueOf(e.getMessage()).contains("No space left on device"), e.getMessage());
      assertArrayEquals(kept, read(tree, "/kept"));
      backend.diskFull(false);
      try {
        blocks.close();
      } catch (IOException again) {
        // the pack that failed to upload stays in staging for the next open
      }
    }
    try (Index index = Index.open(tmp.resolve("index"))) {
      BlockStore blocks = BlockStore.open(index, new LocalDiskBackend(tmp.resolve("packs")), CONFIG, staging, 1 << 20, 2);
      FileTree tree = new FileTree(index, blocks);
      tree.freeOrphans();
      assertArrayEquals(kept, read(tree, "/kept"));
      blocks.close();
    }
  }

  @Test
  void aPackUploadedButNotRecordedBeforeACrashIsRecordedAtTheNextOpen() throws IOException {
    Path staging = Files.createDirectories(tmp.resolve("staging"));
    byte[] data = TestData.bytes(4, 2 << 20);
    io.chunkstore.id.PackId lost;
    try (Index index = Index.open(tmp.resolve("index"))) {
      BlockStore blocks = BlockStore.open(index, new LocalDiskBackend(tmp.resolve("packs")), CONFIG, staging, 1 << 20, 2);
      FileTree tree = new FileTree(index, blocks);
      tree.writeFile("/f", new ByteArrayInputStream(data), Attributes.none());
      blocks.sealOpenPack();
      io.chunkstore.id.PackId[] any = new io.chunkstore.id.PackId[1];
      index.forEachPack(p -> any[0] = p.id());
      lost = any[0];
      try (io.chunkstore.index.Batch b = index.batch()) {
        b.deletePack(lost); // as if the process died between the upload and this record
        index.write(b, true);
      }
      // no blocks.close(): the process "dies" with the store still marked open
    }
    try (Index index = Index.open(tmp.resolve("index"))) {
      BlockStore blocks = BlockStore.open(index, new LocalDiskBackend(tmp.resolve("packs")), CONFIG, staging, 1 << 20, 2);
      assertTrue(index.pack(lost).isPresent(), "the pack is recorded again");
      assertArrayEquals(data, read(new FileTree(index, blocks), "/f"));
      blocks.close();
    }
  }

  @Test
  void aFlippedBitIsAnErrorNeverWrongBytes() throws IOException {
    Path staging = Files.createDirectories(tmp.resolve("staging"));
    byte[] data = TestData.bytes(3, 300_000);
    try (Index index = Index.open(tmp.resolve("index"))) {
      FaultInjectingBackend backend = new FaultInjectingBackend(new LocalDiskBackend(tmp.resolve("packs")));
      BlockStore blocks = BlockStore.open(index, backend, CONFIG, staging, 1 << 20, 2);
      FileTree tree = new FileTree(index, blocks);
      tree.writeFile("/f", new ByteArrayInputStream(data), Attributes.none());
      blocks.sealOpenPack();
      blocks.close();
      String pack = backend.inner().list("").get(0);
      backend.flipBit(pack, 100, 3);
      BlockStore reopened = BlockStore.open(index, backend, CONFIG, staging, 1 << 20, 2);
      FileTree again = new FileTree(index, reopened);
      IOException e = assertThrows(IOException.class, () -> read(again, "/f"));
      assertTrue(e.getMessage().contains("is damaged at offset"), e.getMessage());
      reopened.close();
    }
  }
}
