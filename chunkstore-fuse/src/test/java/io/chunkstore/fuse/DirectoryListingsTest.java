package io.chunkstore.fuse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.chunkstore.fs.DirectoryEntry;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class DirectoryListingsTest {
  @Test
  void cookiesAreAboveTheDotEntriesAndFollowTheNameNotItsPlace() {
    for (String name : List.of("", "a", "b", "a-much-longer-name.txt", "名前")) {
      assertTrue(DirectoryListings.cookie(name) > DirectoryListings.DOT_DOT, name);
      assertTrue(DirectoryListings.cookie(name) > 0, name);
    }
    assertEquals(DirectoryListings.cookie("same"), DirectoryListings.cookie("same"));
  }

  @Test
  void aReaderResumingInAChangedListingGetsTheRestOfTheUnchangedNamesOnce() {
    List<DirectoryEntry> before = entries("x", 0, 200);
    DirectoryListings.Listing first = DirectoryListings.sorted(before);
    long resumeAfter = first.cookies()[49]; // a reader has had 50 entries
    List<String> had = new ArrayList<>();
    for (int i = 0; i < 50; i++) {
      had.add(first.entries()[i].name());
    }

    List<DirectoryEntry> after = new ArrayList<>(before.subList(10, 200)); // 10 removed
    after.addAll(entries("y", 0, 100)); // 100 added
    DirectoryListings.Listing second = DirectoryListings.sorted(after);
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
    DirectoryEntry b = new DirectoryEntry("b", 3, 0100644);
    DirectoryEntry c = new DirectoryEntry("c", 4, 0100644);
    DirectoryListings.Listing l = new DirectoryListings.Listing(new long[] {10, 20, 20, 30},
        new DirectoryEntry[] {a, b, c, a});
    assertEquals(0, l.firstAfter(0));
    assertEquals(0, l.firstAfter(DirectoryListings.DOT_DOT));
    assertEquals(1, l.firstAfter(10));
    assertEquals(1, l.firstAfter(15));
    assertEquals(3, l.firstAfter(20));
    assertEquals(4, l.firstAfter(30));
    assertEquals(4, l.firstAfter(Long.MAX_VALUE));
  }

  @Test
  void keptListingsAreBoundedAndTheNewestOfADirectoryWins() {
    DirectoryListings listings = new DirectoryListings();
    for (long dir = 1; dir <= 200; dir++) {
      listings.put(dir, entries("f", 0, 3));
    }
    assertEquals(null, listings.get(1), "the least recently read listing is dropped first");
    assertEquals(3, listings.get(200).entries().length);
    listings.put(200, entries("f", 0, 5));
    assertEquals(5, listings.get(200).entries().length);
  }

  private static List<DirectoryEntry> entries(String prefix, int from, int to) {
    List<DirectoryEntry> out = new ArrayList<>();
    for (int i = from; i < to; i++) {
      out.add(new DirectoryEntry(prefix + i, 1000L + i + (prefix.equals("y") ? 5000 : 0), 0100644));
    }
    return out;
  }
}
