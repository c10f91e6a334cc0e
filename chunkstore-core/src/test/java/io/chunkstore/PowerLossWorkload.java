package io.chunkstore;

import io.chunkstore.fs.FileTree;
import io.chunkstore.internal.Internals;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;

/**
 * The process that {@link PowerLossTest} cuts the power of: opens a store through a
 * {@link PowerCutFileSystem} (and, by the system property the test sets, an index that keeps
 * unsynced writes in memory) and writes until it is killed, in every way the store promises
 * durability for — fsync of a file (FUSE), {@code sync()} after a write (library), {@code flush()}
 * after bulk imports (put) — mixed with writes that are never synced.
 *
 * <p>Prints {@code DURABLE path sha256 END} once the call that makes a file durable has returned,
 * and {@code BEGIN path sha256} before it changes a file that was durable already.
 *
 * <p>Arguments: STORE JOURNAL SEED ROUND DURABLE-LIST (a file naming the files durable so far).
 */
final class PowerLossWorkload {
  private PowerLossWorkload() {}

  public static void main(String[] args) throws Exception {
    Path store = Path.of(args[0]);
    PowerCutFileSystem fs = new PowerCutFileSystem(Path.of(args[1]));
    Random r = new Random(Long.parseLong(args[2]));
    String dir = "/r" + args[3];
    try (ChunkStore cs = ChunkStore.open(fs.wrap(store), new ChunkStore.Options(16L << 20, 2, 8L << 20))) {
      FileTree tree = Internals.tree(cs);
      // the files the test found whole after the earlier power cuts
      List<String> durable = new ArrayList<>(java.nio.file.Files.readAllLines(Path.of(args[4])));
      cs.mkdirs(dir);
      byte[] lastScratch = null;
      System.out.println("OPEN");
      System.out.flush();
      for (int i = 0; ; i++) {
        int op = r.nextInt(100);
        if (op < 30) {
          // FUSE: create, write in pieces, fsync
          String path = dir + "/f" + i;
          byte[] b = content(r, r.nextInt(600_000));
          long fh = tree.create(path, 0644, 0, 0);
          int at = 0;
          while (at < b.length) {
            int n = Math.min(b.length - at, 1 + r.nextInt(200_000));
            tree.write(fh, at, b, at, n);
            at += n;
          }
          tree.fsync(fh);
          tree.release(fh);
          durable(path, b);
          durable.add(path);
        } else if (op < 42 && !durable.isEmpty()) {
          // FUSE: overwrite a range of a durable file in place, fsync
          String path = durable.get(r.nextInt(durable.size()));
          byte[] b = read(cs, path);
          if (b.length == 0) {
            continue;
          }
          int from = r.nextInt(b.length);
          byte[] patch = content(r, Math.min(b.length - from, 1 + r.nextInt(100_000)));
          System.arraycopy(patch, 0, b, from, patch.length);
          System.out.println("BEGIN " + path + " " + sha256(b));
          long fh = tree.open(path);
          tree.write(fh, from, patch, 0, patch.length);
          tree.fsync(fh);
          tree.release(fh);
          durable(path, b);
        } else if (op < 55) {
          // library: write, then sync(); sometimes the content of a file that was never synced,
          // so that the synced one dedups against blocks nobody forced yet
          String path = dir + "/l" + i;
          byte[] b = lastScratch != null && r.nextBoolean() ? lastScratch : content(r, r.nextInt(400_000));
          cs.write(path, new ByteArrayInputStream(b));
          cs.sync();
          durable(path, b);
          durable.add(path);
        } else if (op < 65) {
          // put: bulk imports, then flush()
          List<String> paths = new ArrayList<>();
          List<byte[]> contents = new ArrayList<>();
          for (int k = 0, n = 1 + r.nextInt(8); k < n; k++) {
            byte[] b = content(r, r.nextInt(100_000));
            String path = dir + "/f" + i + "-" + k;
            cs.importFile(path, new ByteArrayInputStream(b), Attributes.none());
            paths.add(path);
            contents.add(b);
          }
          cs.flush();
          for (int k = 0; k < paths.size(); k++) {
            durable(paths.get(k), contents.get(k));
            durable.add(paths.get(k));
          }
        } else {
          // never synced, through FUSE or the library: what a power cut may take
          String path = dir + "/s" + i;
          byte[] b = content(r, r.nextInt(300_000));
          if (r.nextBoolean()) {
            long fh = tree.create(path, 0644, 0, 0);
            tree.write(fh, 0, b, 0, b.length);
            tree.release(fh);
          } else {
            cs.write(path, new ByteArrayInputStream(b));
          }
          lastScratch = b;
        }
      }
    }
  }

  private static void durable(String path, byte[] content) throws Exception {
    System.out.println("DURABLE " + path + " " + sha256(content) + " END");
    System.out.flush();
  }

  static byte[] read(ChunkStore cs, String path) throws IOException {
    try (InputStream in = cs.newInputStream(path)) {
      return in.readAllBytes();
    }
  }

  /** Half compressible, half random, so that frames differ in size. */
  private static byte[] content(Random r, int size) {
    byte[] b = new byte[size];
    r.nextBytes(b);
    int shift = r.nextInt(1000);
    for (int i = 0; i < size / 2; i++) {
      b[i] = (byte) ((i + shift) / 1000);
    }
    return b;
  }

  static String sha256(byte[] b) throws Exception {
    return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
  }
}
