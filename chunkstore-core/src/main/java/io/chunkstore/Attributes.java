package io.chunkstore;

/**
 * The attributes a caller gives a new or changed file: permissions, owner and times. A field
 * left at {@link #KEEP} (or, for times, {@link #NOW}) keeps the current value or takes the
 * current time.
 *
 * @param permissions permission bits ({@code 07777} mask), or KEEP
 * @param uid owner, or KEEP
 * @param gid group, or KEEP
 * @param mtimeNanos modification time in nanoseconds since the epoch, NOW or KEEP
 * @param atimeNanos access time, NOW or KEEP
 */
public record Attributes(int permissions, int uid, int gid, long mtimeNanos, long atimeNanos) {
  /** Leave this field as it is (for a new file: the default). */
  public static final int KEEP = -1;
  /** Use the current time. */
  public static final long NOW = Long.MIN_VALUE;

  /** Nothing changed: defaults for a new file. */
  public static Attributes none() {
    return new Attributes(KEEP, KEEP, KEEP, NOW, NOW);
  }

  /** Only the permissions set. */
  public static Attributes permissions(int permissions) {
    return new Attributes(permissions, KEEP, KEEP, NOW, NOW);
  }

  /** These attributes with another modification time. */
  public Attributes withMtime(long nanos) {
    return new Attributes(permissions, uid, gid, nanos, atimeNanos);
  }

  /** These attributes with another owner and group. */
  public Attributes withOwner(int newUid, int newGid) {
    return new Attributes(permissions, newUid, newGid, mtimeNanos, atimeNanos);
  }
}
