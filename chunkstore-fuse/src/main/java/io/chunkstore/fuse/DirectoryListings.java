package io.chunkstore.fuse;

import io.chunkstore.fs.DirectoryEntry;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
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
 * taken afresh whenever a reader starts at offset 0, and the last few are kept for the pages that
 * follow.
 */
final class DirectoryListings {
  /** The cookies of "." and ".."; a name's cookie is above them. */
  static final long DOT = 1;
  static final long DOT_DOT = 2;
  private static final int KEPT_LISTINGS = 64;
  private static final int KEPT_ENTRIES = 1 << 20;

  /** A directory's entries in cookie order. */
  record Listing(long[] cookies, DirectoryEntry[] entries) {
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

  private final Map<Long, Listing> kept = new LinkedHashMap<>(16, 0.75f, true);
  private long keptEntries;

  /** Orders {@code entries} by cookie and keeps the listing as the newest of {@code dir}. */
  synchronized Listing put(long dir, List<DirectoryEntry> entries) {
    Listing l = sorted(entries);
    Listing old = kept.put(dir, l);
    keptEntries += l.entries.length - (old == null ? 0 : old.entries.length);
    var it = kept.values().iterator();
    while (kept.size() > 1 && (kept.size() > KEPT_LISTINGS || keptEntries > KEPT_ENTRIES)) {
      keptEntries -= it.next().entries.length; // the least recently read first
      it.remove();
    }
    return l;
  }

  /** The newest listing of {@code dir} kept, or null. */
  synchronized Listing get(long dir) {
    return kept.get(dir);
  }

  static Listing sorted(List<DirectoryEntry> entries) {
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

  /** A name's cookie: 64-bit FNV-1a of its UTF-8 bytes, mixed (MurmurHash3's finaliser), above {@link #DOT_DOT}. */
  static long cookie(String name) {
    long h = 0xcbf29ce484222325L;
    for (byte b : name.getBytes(StandardCharsets.UTF_8)) {
      h = (h ^ (b & 0xff)) * 0x100000001b3L;
    }
    h ^= h >>> 33;
    h *= 0xff51afd7ed558ccdL;
    h ^= h >>> 33;
    h *= 0xc4ceb9fe1a85ec53L;
    h ^= h >>> 33;
    long c = h >>> 1; // the kernel's offsets are signed
    return c <= DOT_DOT ? c + DOT_DOT + 1 : c;
  }
}
