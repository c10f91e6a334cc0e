package io.chunkstore.pack;

import io.chunkstore.id.PackId;
import java.util.List;

/**
 * What a finished pack holds: every block with its location, and the pack's size in bytes. The
 * writer returns it; {@link SuperChunkReader#readManifest} reads the same thing back from a pack's
 * trailer.
 *
 * @param id the pack's id, also its key in a backend
 * @param size the pack's length in bytes
 * @param entries every block, in the order of their frames in the pack
 */
public record PackManifest(PackId id, long size, List<PackEntry> entries) {
  /** Copies {@code entries} into an unmodifiable list. */
  public PackManifest {
    entries = List.copyOf(entries);
  }
}
