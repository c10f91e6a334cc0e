package io.chunkstore.backend;

import java.io.EOFException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A {@link Backend} that keeps objects in a map, for tests and benchmarks that should not touch
 * the disk. Nothing survives the process, so its durability promise is only that of the heap.
 */
public final class InMemoryBackend implements Backend {
  private final Map<String, byte[]> objects = new ConcurrentHashMap<>();

  @Override
  public void put(String key, Path source) throws IOException {
    BackendKeys.check(key);
    byte[] data = Files.readAllBytes(source);
    objects.put(key, data);
    Files.delete(source);
  }

  @Override
  public byte[] get(String key, long offset, int length) throws IOException {
    BackendKeys.check(key);
    checkRange(offset, length);
    byte[] data = objects.get(key);
    if (data == null) {
      throw new NoSuchFileException(key);
    }
    if (offset + length > data.length) {
      throw new EOFException(
          "object " + key + " has " + data.length + " bytes; cannot read " + length
              + " bytes at offset " + offset);
    }
    return Arrays.copyOfRange(data, (int) offset, (int) offset + length);
  }

  @Override
  public OptionalLong stat(String key) {
    BackendKeys.check(key);
    byte[] data = objects.get(key);
    return data == null ? OptionalLong.empty() : OptionalLong.of(data.length);
  }

  @Override
  public List<String> list(String prefix) {
    BackendKeys.checkPrefix(prefix);
    List<String> keys = new ArrayList<>();
    for (String k : objects.keySet()) {
      if (k.startsWith(prefix)) {
        keys.add(k);
      }
    }
    return keys;
  }

  @Override
  public void delete(String key) {
    BackendKeys.check(key);
    objects.remove(key);
  }

  @Override
  public String describe() {
    return "memory:" + Integer.toHexString(System.identityHashCode(this));
  }

  @Override
  public void close() {}

  static void checkRange(long offset, int length) {
    if (offset < 0 || length < 0) {
      throw new IllegalArgumentException(
          "negative offset or length: offset " + offset + ", length " + length);
    }
  }
}
