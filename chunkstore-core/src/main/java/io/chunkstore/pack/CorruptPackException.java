package io.chunkstore.pack;

import io.chunkstore.id.PackId;
import java.io.IOException;

/**
 * A pack's bytes are not what was written: a checksum does not match, a length is impossible, or
 * the pack is cut short. Separate from other I/O errors so that callers can report a damaged
 * block (EIO, an fsck finding) rather than retry, and never hand out the damaged bytes.
 */
public class CorruptPackException extends IOException {
  private static final long serialVersionUID = 1L;

  private final transient PackId pack;
  private final long offset;

  /**
   * A damaged pack; the message is one sentence such as "pack 1a2b… is damaged at offset 12345:
   * frame checksum mismatch".
   *
   * @param pack the pack, or null if not known (a frame decoded from memory)
   * @param offset offset of the damaged part from the start of the pack, or -1 if not known
   * @param problem what is wrong, in a few words
   */
  public CorruptPackException(PackId pack, long offset, String problem) {
    this(pack, offset, problem, null);
  }

  /** As {@link #CorruptPackException(PackId, long, String)}, with the error that revealed it. */
  public CorruptPackException(PackId pack, long offset, String problem, Throwable cause) {
    super(message(pack, offset, problem), cause);
    this.pack = pack;
    this.offset = offset;
  }

  /** The damaged pack, or null if not known. */
  public PackId pack() {
    return pack;
  }

  /** Offset of the damage from the start of the pack, or -1 if not known. */
  public long offset() {
    return offset;
  }

  private static String message(PackId pack, long offset, String problem) {
    String what = pack == null ? "a pack" : "pack " + pack.hex();
    String where = offset < 0 ? "" : " at offset " + offset;
    return what + " is damaged" + where + ": " + problem;
  }
}
