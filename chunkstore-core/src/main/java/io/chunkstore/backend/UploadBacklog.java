package io.chunkstore.backend;

/**
 * What a write-back backend has accepted but not yet stored remotely: objects that are durable
 * on this machine only.
 *
 * @param objects how many objects wait
 * @param bytes their size in bytes
 * @param lastError why the last attempt failed, one sentence, or empty if it did not
 */
public record UploadBacklog(int objects, long bytes, String lastError) {
  /** A backend that stores every put before it returns has none. */
  public static final UploadBacklog NONE = new UploadBacklog(0, 0, "");

  /** Implemented by backends whose puts return before the object reaches its final place. */
  public interface Source {
    /** The backlog now. */
    UploadBacklog uploadBacklog();
  }
}
