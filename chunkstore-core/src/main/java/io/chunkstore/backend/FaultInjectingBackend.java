package io.chunkstore.backend;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A {@link Backend} wrapper for tests that makes the failures of real storage happen on demand:
 * a single failed put or get, a disk or node that dies and fails every later call, a full disk,
 * and silently flipped bits in data read back. It also counts calls, so a test can check that a
 * cache really saved a read.
 *
 * <p>Settings may change while other threads use the backend. An injected put failure happens
 * before the inner put, so the source file is left in place, as a real failed put leaves it.
 */
public final class FaultInjectingBackend implements Backend {
  /** The message of every injected failure that is not a full disk. */
  public static final String INJECTED = "injected fault";

  private final Backend inner;
  private final AtomicInteger puts = new AtomicInteger();
  private final AtomicInteger gets = new AtomicInteger();
  private final AtomicInteger stats = new AtomicInteger();
  private final AtomicInteger lists = new AtomicInteger();
  private final AtomicInteger deletes = new AtomicInteger();
  private final AtomicInteger ops = new AtomicInteger();
  private final Map<String, Long> flippedBits = new ConcurrentHashMap<>();
  private volatile int failPutAt;
  private volatile int failGetAt;
  private volatile int deadAfterOps = -1;
  private volatile boolean diskFull;

  /** Wraps {@code inner}; with no fault set, every call goes straight through. */
  public FaultInjectingBackend(Backend inner) {
    this.inner = inner;
  }

  /** Makes the {@code n}-th put from now (1 = the next one) fail once. */
  public FaultInjectingBackend failNthPut(int n) {
    failPutAt = puts.get() + n;
    return this;
  }

  /** Makes the {@code n}-th get from now (1 = the next one) fail once. */
  public FaultInjectingBackend failNthGet(int n) {
    failGetAt = gets.get() + n;
    return this;
  }

  /** Lets {@code n} more calls of any kind succeed, then fails every call, like a dead disk. */
  public FaultInjectingBackend dieAfter(int n) {
    deadAfterOps = ops.get() + n;
    return this;
  }

  /** Fails every call from now on; {@link #heal()} undoes it. */
  public FaultInjectingBackend die() {
    return dieAfter(0);
  }

  /** While set, every put fails with "No space left on device". */
  public FaultInjectingBackend diskFull(boolean full) {
    diskFull = full;
    return this;
  }

  /**
   * Flips bit {@code bit} (0..7) of the byte at {@code offset} of object {@code key} in every get
   * that covers it; the stored object is not changed. One flipped bit per key: a new call
   * replaces the earlier one.
   */
  public FaultInjectingBackend flipBit(String key, long offset, int bit) {
    if (bit < 0 || bit > 7 || offset < 0) {
      throw new IllegalArgumentException("bit 0..7 at a non-negative offset");
    }
    flippedBits.put(key, offset * 8 + bit);
    return this;
  }

  /** Clears every fault; counters keep counting. */
  public FaultInjectingBackend heal() {
    failPutAt = 0;
    failGetAt = 0;
    deadAfterOps = -1;
    diskFull = false;
    flippedBits.clear();
    return this;
  }

  /** Number of put calls so far, failed ones included. */
  public int puts() {
    return puts.get();
  }

  /** Number of get calls so far, failed ones included. */
  public int gets() {
    return gets.get();
  }

  /** Number of stat calls so far. */
  public int stats() {
    return stats.get();
  }

  /** Number of list calls so far. */
  public int lists() {
    return lists.get();
  }

  /** Number of delete calls so far. */
  public int deletes() {
    return deletes.get();
  }

  /** The wrapped backend. */
  public Backend inner() {
    return inner;
  }

  @Override
  public void put(String key, Path source) throws IOException {
    int n = puts.incrementAndGet();
    checkAlive("put " + key);
    if (n == failPutAt) {
      throw new IOException(INJECTED + ": put " + key);
    }
    if (diskFull) {
      throw new IOException("No space left on device");
    }
    inner.put(key, source);
  }

  @Override
  public byte[] get(String key, long offset, int length) throws IOException {
    int n = gets.incrementAndGet();
    checkAlive("get " + key);
    if (n == failGetAt) {
      throw new IOException(INJECTED + ": get " + key);
    }
    byte[] data = inner.get(key, offset, length);
    Long flip = flippedBits.get(key);
    if (flip != null) {
      long byteOffset = flip / 8;
      if (byteOffset >= offset && byteOffset < offset + data.length) {
        data[(int) (byteOffset - offset)] ^= (byte) (1 << (int) (flip % 8));
      }
    }
    return data;
  }

  @Override
  public OptionalLong stat(String key) throws IOException {
    stats.incrementAndGet();
    checkAlive("stat " + key);
    return inner.stat(key);
  }

  @Override
  public List<String> list(String prefix) throws IOException {
    lists.incrementAndGet();
    checkAlive("list " + prefix);
    return inner.list(prefix);
  }

  @Override
  public void delete(String key) throws IOException {
    deletes.incrementAndGet();
    checkAlive("delete " + key);
    inner.delete(key);
  }

  @Override
  public String describe() {
    return "faulty:" + inner.describe();
  }

  @Override
  public void close() throws IOException {
    inner.close();
  }

  private void checkAlive(String what) throws IOException {
    int n = ops.incrementAndGet();
    int dead = deadAfterOps;
    if (dead >= 0 && n > dead) {
      throw new IOException(INJECTED + " (backend is dead): " + what);
    }
  }
}
