package io.chunkstore.backend;

import java.io.IOException;

/**
 * A backend whose servers keep an object only while someone renews its lease, and reclaim the
 * space of the rest (Tahoe-LAFS with {@code expire.enabled}). Whoever knows which objects are
 * still wanted renews theirs; an object nobody renews lapses, which is how such a backend deletes.
 */
public interface Leases {
  /**
   * What the servers said about one object.
   *
   * @param found whether the backend has the object at all
   * @param goodShares how many good copies (shares) of it the servers hold
   * @param neededShares how many of them are needed to read it
   * @param healthy whether it has as many as it should
   * @param repaired whether a repair was asked for and made it healthy again
   */
  record Health(boolean found, int goodShares, int neededShares, boolean healthy, boolean repaired) {
    /** For a key the backend does not have. */
    public static final Health MISSING = new Health(false, 0, 0, false, false);
  }

  /** Renews the leases of object {@code key} on every server that holds a share of it. */
  Health renewLease(String key) throws IOException;

  /**
   * Renews the leases of what the backend keeps for the store besides its objects (directories,
   * the metadata copy).
   *
   * @return how many of those it renewed
   */
  int renewMetadataLeases() throws IOException;

  /**
   * Asks the servers to read every share of {@code key} whole and check it, and with
   * {@code repair} to make new shares where some are missing or bad.
   */
  Health verify(String key, boolean repair) throws IOException;
}
