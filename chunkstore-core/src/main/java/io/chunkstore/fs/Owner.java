package io.chunkstore.fs;

/** The uid and gid of this process: the default owner of new files. */
final class Owner {
  private static final int UID;
  private static final int GID;

  static {
    int uid = 0;
    int gid = 0;
    try {
      com.sun.security.auth.module.UnixSystem u = new com.sun.security.auth.module.UnixSystem();
      uid = (int) u.getUid();
      gid = (int) u.getGid();
    } catch (Throwable e) {
      // not a Unix system: root owns everything, as on a fresh ext4
    }
    UID = uid;
    GID = gid;
  }

  private Owner() {}

  static int uid() {
    return UID;
  }

  static int gid() {
    return GID;
  }
}
