package io.chunkstore.fsck;

import io.chunkstore.index.Batch;
import java.util.List;

/**
 * One thing a check found: what it is, where, which files it hurts, and how {@code --repair}
 * fixes it, if it can.
 *
 * @param kind what was found
 * @param subject what it is about: a block id, a pack id, an inode, a path
 * @param detail one sentence with the particulars
 * @param paths the files it hurts (may be empty)
 * @param fix how repair changes the index, or null if no index change fixes it
 */
public record Finding(Kind kind, String subject, String detail, List<String> paths, Fix fix) {
  /** How bad a finding is. */
  public enum Severity {
    /** The store is not whole or not consistent. */
    ERROR,
    /** Worth knowing, not damage: garbage for gc, leftovers that the next open recovers. */
    NOTICE
  }

  /** What a check can find. */
  public enum Kind {
    /** An extent names a block that the index does not know (lost, or quarantined). */
    MISSING_BLOCK(Severity.ERROR),
    /** A block's bytes do not decode or do not match its hash. */
    BAD_BLOCK(Severity.ERROR),
    /** A block's stored refcount differs from the number of extents that name it. */
    REFCOUNT_MISMATCH(Severity.ERROR),
    /** A block's index entry differs from its pack's trailer. */
    BLOCK_ENTRY_MISMATCH(Severity.ERROR),
    /** A block's index entry points into a pack that does not hold it. */
    DANGLING_BLOCK_ENTRY(Severity.ERROR),
    /** A recorded pack is not in the backend. */
    MISSING_PACK(Severity.ERROR),
    /** A recorded pack has another size in the backend. */
    PACK_SIZE_MISMATCH(Severity.ERROR),
    /** A pack's trailer cannot be read. */
    DAMAGED_PACK(Severity.ERROR),
    /** A pack in the backend that no record names. */
    ORPHAN_PACK(Severity.ERROR),
    /** A directory entry names an inode that does not exist, or sits in a non-directory. */
    DANGLING_ENTRY(Severity.ERROR),
    /** A directory entry's type differs from its inode's. */
    ENTRY_TYPE_MISMATCH(Severity.ERROR),
    /** An inode's link count differs from the entries that name it. */
    LINK_COUNT(Severity.ERROR),
    /** An inode that no directory entry names and that is not an orphan awaiting release. */
    UNREACHABLE_INODE(Severity.ERROR),
    /** Extents of an inode that does not exist or is not a regular file. */
    ORPHAN_EXTENT(Severity.ERROR),
    /** An extent that reaches past the end of its block. */
    EXTENT_OUT_OF_BLOCK(Severity.ERROR),
    /** Files or directories of the store that users it is not for can reach. */
    STORE_OPEN_TO_OTHERS(Severity.ERROR),
    /** A running total in the index differs from a recount. */
    COUNTER_MISMATCH(Severity.ERROR),
    /** Blocks no file names any more: space that gc frees. */
    UNREFERENCED_BLOCKS(Severity.NOTICE),
    /** Packs a killed gc retired but did not delete yet; the next gc deletes them. */
    RETIRED_PACK(Severity.NOTICE),
    /** Files in staging/ that the next open of the store recovers or removes. */
    STAGING_LEFTOVER(Severity.NOTICE),
    /** A pack in the backend of an open store that its index does not record yet: a seal in progress. */
    UNRECORDED_PACK(Severity.NOTICE),
    /** Objects in the backend that are not packs (e.g. temporary files of a crash). */
    UNKNOWN_OBJECT(Severity.NOTICE),
    /** Inodes unlinked while open, freed at the next open. */
    PENDING_ORPHAN(Severity.NOTICE),
    /**
     * A pack with fewer good shares on its Tahoe-LAFS grid than it should have: readable still,
     * but less redundant; {@code --read-data --repair} has the grid make new shares.
     */
    UNHEALTHY_ON_GRID(Severity.NOTICE);

    private final Severity severity;

    Kind(Severity severity) {
      this.severity = severity;
    }

    /** How bad this kind is. */
    public Severity severity() {
      return severity;
    }
  }

  /** A change to the index that fixes a finding. */
  @FunctionalInterface
  public interface Fix {
    /** Adds the fix to {@code batch}. */
    void apply(Batch batch) throws java.io.IOException;
  }

  /** A finding without affected paths. */
  public static Finding of(Kind kind, String subject, String detail, Fix fix) {
    return new Finding(kind, subject, detail, List.of(), fix);
  }

  /** True for an error (not a notice). */
  public boolean isError() {
    return kind.severity() == Severity.ERROR;
  }

  /** Copies the path list. */
  public Finding {
    paths = List.copyOf(paths);
  }
}
