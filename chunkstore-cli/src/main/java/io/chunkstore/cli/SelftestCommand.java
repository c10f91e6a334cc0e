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
        "It also puts a file in and gets it back out with the put and get commands. bin/chunkstore runs it"
            + " once after each build to record the classes those runs load (class data sharing), which halves"
            + " start-up time."})
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
      // The commands themselves, as a user runs them: their classes go into the launcher's archive.
      Path src = Files.createDirectory(dir.resolve("src"));
      Files.write(src.resolve("data"), data);
      Path back = dir.resolve("back");
      if (Main.run("put", store.toString(), src.toString(), "--to", "/cli", "-q") != 0
          || Main.run("get", store.toString(), "/cli/src", back.toString()) != 0
          || !Arrays.equals(data, Files.readAllBytes(back.resolve("data")))) {
        throw new IOException("selftest failed: put and get did not give back what was put");
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
