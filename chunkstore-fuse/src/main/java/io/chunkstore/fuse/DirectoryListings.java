package io.chunkstore.fuse;

import io.chunkstore.fs.DirectoryEntry;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Directory listings for READDIR without open-directory handles: the adapter answers OPENDIR
 * with ENOSYS, so the kernel sends neither OPENDIR nor RELEASEDIR (FUSE_NO_OPENDIR_SUPPORT, Linux
 * 5.1) and a directory walk costs half the requests.
 *
 * <p>With no handle to hold a listing, an entry's offset cookie is a hash of its name and a
 * listing is kept in hash order: a reader that resumes after cookie {@code c} gets the entries
 * hashed above {@code c}, from whichever listing is at hand. So an entry that stays in the
 * directory is returned exactly once however the directory changes in between, which is what
 * POSIX asks of readdir (a name added or removed meanwhile may or may not appear). A listing is
 * taken afresh whenever a reader starts at offset 0 and dropped once a reader has reached its
 * end; the last few are kept for the pages in between. The hash is seeded per mount, so that
 * names chosen to collide (two names, one cookie) cannot be prepared in advance.
 */
final class DirectoryListings {
  /** The cookies of "." and ".."; a name's cookie is above them. */
  static final long DOT = 1;
  static final long DOT_DOT = 2;
  private static final int KEPT_LISTINGS = 64;
  /** About 10 MiB of entries; beyond it only listings read in the last second are kept. */
  private static final int KEPT_ENTRIES = 1 << 17;
  private static final long RECENT_NANOS = 1_000_000_000L;

  /** A directory's entries in cookie order. */
  static final class Listing {
    private final long[] cookies;
    private final DirectoryEntry[] entries;
    private volatile long readAt;

    Listing(long[] cookies, DirectoryEntry[] entries) {
      this.cookies = cookies;
      this.entries = entries;
    }

    long[] cookies() {
      return cookies;
    }

    DirectoryEntry[] entries() {
      return entries;
    }

    /** The position of the first entry whose cookie is above {@code cookie}. */
    int firstAfter(long cookie) {
      if (cookie < DOT_DOT) {
        return 0;
      }
      int i = Arrays.binarySearch(cookies, cookie);
      if (i < 0) {
        return -i - 1;
      }
      while (i < cookies.length && cookies[i] == cookie) {
        i++;
      }
      return i;
    }
  }

  private final long seed;
  private final Map<Long, Listing> kept = new LinkedHashMap<>(16, 0.75f, true);
  private long keptEntries;

  DirectoryListings(long seed) {
    this.seed = seed;
  }

  /** Orders {@code entries} by cookie and keeps the listing as the newest of {@code dir}. */
  synchronized Listing put(long dir, List<DirectoryEntry> entries, long nowNanos) {
    Listing l = sorted(entries);
    l.readAt = nowNanos;
    Listing old = kept.put(dir, l);
    keptEntries += l.entries.length - (old == null ? 0 : old.entries.length);
    Iterator<Listing> it = kept.values().iterator(); // least recently read first
    while (kept.size() > KEPT_LISTINGS || keptEntries > KEPT_ENTRIES) {
      Listing eldest = it.next();
      if (eldest == l || kept.size() <= KEPT_LISTINGS && nowNanos - eldest.readAt < RECENT_NANOS) {
        break; // a reader is paging through it: keep it rather than list it again for every page
      }
      keptEntries -= eldest.entries.length;
      it.remove();
    }
    return l;
  }

  /** The newest listing of {@code dir} kept, or null. */
  synchronized Listing get(long dir, long nowNanos) {
    Listing l = kept.get(dir);
    if (l != null) {
      l.readAt = nowNanos;
    }
    return l;
  }

  /** A reader has reached the end of {@code dir}'s listing: the kernel keeps what it read. */
  synchronized void finished(long dir) {
    Listing l = kept.remove(dir);
    if (l != null) {
      keptEntries -= l.entries.length;
    }
  }

  Listing sorted(List<DirectoryEntry> entries) {
    int n = entries.size();
    long[] keyed = new long[n];
    Integer[] order = new Integer[n];
    for (int i = 0; i < n; i++) {
      keyed[i] = cookie(entries.get(i).name());
      order[i] = i;
    }
    // equal cookies (a 63-bit collision) in name order, so that a resumed reader sees them in one run
    Arrays.sort(order, (a, b) -> keyed[a] != keyed[b] ? Long.compare(keyed[a], keyed[b])
        : entries.get(a).name().compareTo(entries.get(b).name()));
    long[] cookies = new long[n];
    DirectoryEntry[] out = new DirectoryEntry[n];
    for (int i = 0; i < n; i++) {
      cookies[i] = keyed[order[i]];
      out[i] = entries.get(order[i]);
    }
    return new Listing(cookies, out);
  }

  /**
   * A name's cookie: 64-bit FNV-1a of the seed and the name's UTF-8 bytes, mixed (MurmurHash3's
   * finaliser), above {@link #DOT_DOT}. 63 bits, since the kernel's offsets are signed; a 32-bit
   * process's telldir cannot hold them (ext4 gives such callers 32-bit hashes; FUSE cannot tell).
   */
  long cookie(String name) {
    long h = 0xcbf29ce484222325L ^ seed;
    for (byte b : name.getBytes(StandardCharsets.UTF_8)) {
      h = (h ^ (b & 0xff)) * 0x100000001b3L;
    }
    h ^= h >>> 33;
    h *= 0xff51afd7ed558ccdL;
    h ^= h >>> 33;
    h *= 0xc4ceb9fe1a85ec53L;
    h ^= h >>> 33;
    long c = h >>> 1;
    return c <= DOT_DOT ? c + DOT_DOT + 1 : c;
  }
}
