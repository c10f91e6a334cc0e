package io.chunkstore.fuse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.chunkstore.fs.DirectoryEntry;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class DirectoryListingsTest {
  private static final long SECOND = 1_000_000_000L;
  private final DirectoryListings listings = new DirectoryListings(42);

  @Test
  void cookiesAreAboveTheDotEntriesAndDependOnTheNameAndTheMountsSeed() {
    for (String name : List.of("", "a", "b", "a-much-longer-name.txt", "名前")) {
      assertTrue(listings.cookie(name) > DirectoryListings.DOT_DOT, name);
    }
    assertEquals(listings.cookie("same"), listings.cookie("same"));
    assertNotEquals(listings.cookie("same"), new DirectoryListings(43).cookie("same"));
  }

  @Test
  void aReaderResumingInAChangedListingGetsTheRestOfTheUnchangedNamesOnce() {
    List<DirectoryEntry> before = entries("x", 200);
    DirectoryListings.Listing first = listings.sorted(before);
    long resumeAfter = first.cookies()[49]; // a reader has had 50 entries
    List<String> had = new ArrayList<>();
    for (int i = 0; i < 50; i++) {
      had.add(first.entries()[i].name());
    }

    List<DirectoryEntry> after = new ArrayList<>(before.subList(10, 200)); // 10 removed
    after.addAll(entries("y", 100)); // 100 added
    DirectoryListings.Listing second = listings.sorted(after);
    List<String> rest = new ArrayList<>();
    for (int i = second.firstAfter(resumeAfter); i < second.entries().length; i++) {
      rest.add(second.entries()[i].name());
    }
    for (DirectoryEntry e : before.subList(10, 200)) {
      int times = (had.contains(e.name()) ? 1 : 0) + (rest.contains(e.name()) ? 1 : 0);
      assertEquals(1, times, e.name());
    }
  }

  @Test
  void resumingAfterACookieSkipsEveryEntryThatSharesIt() {
    DirectoryEntry a = new DirectoryEntry("a", 2, 0100644);
    DirectoryListings.Listing l = new DirectoryListings.Listing(new long[] {10, 20, 20, 30},
        new DirectoryEntry[] {a, a, a, a});
    assertEquals(0, l.firstAfter(0));
    assertEquals(0, l.firstAfter(DirectoryListings.DOT_DOT));
    assertEquals(1, l.firstAfter(10));
    assertEquals(1, l.firstAfter(15));
    assertEquals(3, l.firstAfter(20));
    assertEquals(4, l.firstAfter(30));
    assertEquals(4, l.firstAfter(Long.MAX_VALUE));
  }

  @Test
  void theLeastRecentlyReadListingGoesFirstWhenTooManyAreKept() {
    long now = 100 * SECOND;
    for (long dir = 1; dir <= 64; dir++) {
      listings.put(dir, entries("f", 3), now);
    }
    assertNotNull(listings.get(1, now + 1)); // read again: now the most recent
    listings.put(65, entries("f", 3), now + 2);
    assertNotNull(listings.get(1, now + 3), "read last, so kept");
    assertNull(listings.get(2, now + 3), "read least recently, so dropped");
    listings.put(65, entries("f", 5), now + 4);
    assertEquals(5, listings.get(65, now + 5).entries().length, "the newest listing of a directory wins");
  }

  @Test
  void listingsOverTheEntryBudgetStayWhileReadersPageThroughThem() {
    long now = 100 * SECOND;
    listings.put(1, entries("big", 100_000), now);
    listings.put(2, entries("big", 100_000), now + 1); // over the budget, but both are being read
    assertNotNull(listings.get(1, now + 2));
    assertNotNull(listings.get(2, now + 2));
    listings.put(3, entries("f", 3), now + 3 * SECOND); // the big ones were last read 3 s ago
    assertNull(listings.get(1, now + 3 * SECOND), "the least recently read goes until the rest fit");
    assertNotNull(listings.get(2, now + 3 * SECOND));
    assertNotNull(listings.get(3, now + 3 * SECOND));
  }

  @Test
  void aListingReadToItsEndIsDropped() {
    listings.put(7, entries("f", 3), 0);
    listings.finished(7);
    assertNull(listings.get(7, 1));
  }

  private static List<DirectoryEntry> entries(String prefix, int count) {
    List<DirectoryEntry> out = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      out.add(new DirectoryEntry(prefix + i, 1000L + i + (prefix.equals("y") ? 5000 : 0), 0100644));
    }
    return out;
  }
}
