package io.chunkstore.fuse;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The mount clears set-user-ID and set-group-ID bits itself (it tells the kernel so, with
 * FUSE_HANDLE_KILLPRIV_V2, and the kernel then stops asking for security.capability before every
 * write): after a write or truncation by a process without CAP_FSETID, and after any chown, the
 * modes are those a local directory shows for the same steps.
 */
class SetIdBitsTest extends MountTestBase {
  @Test
  void writesTruncationsAndChownClearSetIdBitsAsTheKernelsOwnFileSystemsDo() throws Exception {
    Path script = FuseTests.resource("set_id_bits.py", tmp);
    // allow_other: the unprivileged writer is another user than the one who mounted
    Path reference = mountForOtherUsersBesideReference();

    assertScriptPrintsAsOnDisk(script, reference, List.of(
        "w1 written by nobody: mode=100777",
        "w2 written by nobody: mode=100767", // not in the file's group: set-gid goes too
        "w5 written by nobody in its group: mode=102767",
        "w3 written by root: mode=106777",
        "w4 written by nobody again: mode=100777",
        "t1 truncated by nobody: mode=100777",
        "t2 opened O_TRUNC by nobody: mode=100777",
        "t3 truncated by root: mode=106777",
        "c1 chown 0:0 by root: mode=100755",
        "c2 chgrp 65534 by root: mode=100755",
        "c3 chown 65534 by root: mode=102745",
        "c4 chmod 6755 after chown: mode=106755",
        "d1 chown 65534 by root: mode=042775"));
  }
}
