package io.chunkstore.cli;

import io.chunkstore.ChunkStore;
import io.chunkstore.StoreConfig;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Arrays;
import java.util.Random;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

@Command(name = "selftest", mixinStandardHelpOptions = true,
    description = {"Check this installation: make a temporary store, write, read back and compare, then remove it.",
        "bin/chunkstore also runs it once after each build to record the classes a run loads (class data "
            + "sharing), which halves start-up time."})
final class SelftestCommand implements Callable<Integer> {
  @Override
  public Integer call() throws Exception {
    Path dir = Files.createTempDirectory("chunkstore-selftest");
    try {
      byte[] data = new byte[3 << 20];
      new Random(7).nextBytes(data);
      Arrays.fill(data, 1 << 20, 2 << 20, (byte) 'x');
      Path store = dir.resolve("store");
      try (ChunkStore s = ChunkStore.create(store, StoreConfig.defaults())) {
        s.mkdirs("/a/b");
        s.write("/a/b/data", new ByteArrayInputStream(data));
        s.write("/a/small", new ByteArrayInputStream("small".getBytes()));
        s.symlink("/a/link", "b/data");
        s.flush();
      }
      try (ChunkStore s = ChunkStore.open(store); InputStream in = s.newInputStream("/a/b/data")) {
        if (!Arrays.equals(data, in.readAllBytes()) || s.list("/a").size() != 3 || s.stats().packs() < 1) {
          throw new IOException("selftest failed: the store did not give back what was written");
        }
      }
      System.out.println("selftest: ok");
      return 0;
    } finally {
      deleteTree(dir);
    }
  }

  private static void deleteTree(Path dir) throws IOException {
    Files.walkFileTree(dir, new SimpleFileVisitor<>() {
      @Override
      public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
        Files.delete(file);
        return FileVisitResult.CONTINUE;
      }

      @Override
      public FileVisitResult postVisitDirectory(Path d, IOException e) throws IOException {
        Files.delete(d);
        return FileVisitResult.CONTINUE;
      }
    });
  }
}
