package io.chunkstore.fuse;

import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;

/**
 * What every test on a real mount shares: it fails (or skips, with CHUNKSTORE_SKIP_FUSE_TESTS=1)
 * where FUSE is unusable, and it never leaves a mount behind, also after a failure. The unmount
 * after each test is part of the test: if it fails (the mount stayed busy, or folding the staged
 * writes and closing the store threw), the test fails with that error.
 */
abstract class MountTestBase {
  @TempDir
  Path tmp;

  /** The test's mount, if it made one; unmounted after each test. */
  MountedStore mount;

  @BeforeEach
  final void requireFuse() {
    FuseTests.requireFuse();
  }

  @AfterEach
  final void unmountAfterTest() throws Exception {
    if (mount != null) {
      MountedStore m = mount;
      mount = null;
      try {
        m.close();
      } catch (Throwable e) {
        try {
          FuseTests.unmountLazily(m.mountPoint()); // never leave a mount behind
        } catch (Exception again) {
          e.addSuppressed(again);
        }
        throw e;
      }
    }
  }
}
