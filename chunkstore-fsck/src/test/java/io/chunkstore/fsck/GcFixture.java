package io.chunkstore.fsck;

import io.chunkstore.ChunkStore;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** The fixture of the gc tests (in this package to reach {@link StoreFixture}). */
public final class GcFixture {
  private final StoreFixture f;

  private GcFixture(StoreFixture f) {
    this.f = f;
  }

  /** A store of {@code count} seeded files. */
  public static GcFixture create(Path root, long seed, int count) throws IOException {
    return new GcFixture(StoreFixture.create(root, seed, count));
  }

  /** An existing store whose expected files are {@code files}. */
  public static GcFixture of(Path root, Map<String, byte[]> files) {
    StoreFixture s = StoreFixture.wrap(root);
    s.files.putAll(files);
    return new GcFixture(s);
  }

  /** Seeded bytes, half random and half text-like. */
  public static byte[] bytes(java.util.Random r, int n) {
    return StoreFixture.bytes(r, n);
  }

  public Path root() {
    return f.root;
  }

  public Map<String, byte[]> files() {
    return f.files;
  }

  public long bytesOnDisk() throws IOException {
    return f.bytesOnDisk();
  }

  /** Deletes every {@code n}-th file (by path order) from the store and from the expected files. */
  public void deleteEvery(int n) throws IOException {
    List<String> paths = new ArrayList<>(f.files.keySet());
    try (ChunkStore s = ChunkStore.open(f.root)) {
      for (int i = 0; i < paths.size(); i += n) {
        s.delete(paths.get(i));
        f.files.remove(paths.get(i));
      }
    }
  }

  /** Writes a file of {@code n} seeded random bytes in a store session of its own (so its packs are its own). */
  public void writeAlone(String path, int n) throws IOException {
    byte[] b = new byte[n];
    f.random.nextBytes(b);
    try (ChunkStore s = ChunkStore.open(f.root)) {
      s.write(path, new java.io.ByteArrayInputStream(b));
    }
    f.files.put(path, b);
  }

  public void delete(String path) throws IOException {
    try (ChunkStore s = ChunkStore.open(f.root)) {
      s.delete(path);
    }
    f.files.remove(path);
  }

  public void assertAllFilesIntact() throws IOException {
    f.assertAllFilesIntact();
  }

  /** Neither the structural check nor reading every block finds an error. */
  public void assertChecksClean() throws IOException {
    StoreFixture.assertClean(f.check());
    StoreFixture.assertClean(f.readData());
  }

  /** The structural check's errors, as text. */
  public List<String> checkErrors() throws IOException {
    return f.check().errors().stream().map(x -> x.kind() + " " + x.subject() + ": " + x.detail()).toList();
  }
}
