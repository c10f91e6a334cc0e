package io.chunkstore.fuse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** What the kernel-protocol mount makes of -o options, and the one sentence for a bad one. */
class KernelMountOptionsTest {
  private static Mounter.KernelMount parse(String... extra) throws MountException {
    return Mounter.kernelMount(Path.of("/srv/store"),
        new Mounter.Options(true, true, true, List.of(extra), 64L << 20, 64L << 20, false));
  }

  @Test
  void defaultsCacheForAMinuteWithMegabyteWrites() throws Exception {
    Mounter.KernelMount m = parse();
    assertEquals(Mounter.DEFAULT_TIMEOUT, m.settings().attrTimeout());
    assertEquals(Mounter.DEFAULT_TIMEOUT, m.settings().entryTimeout());
    assertEquals(Mounter.DEFAULT_TIMEOUT, m.settings().negativeTimeout());
    assertEquals(1 << 20, m.settings().maxWrite());
    assertFalse(m.settings().writebackCache());
    assertEquals(List.of("ro"), m.flagOptions());
    assertEquals(List.of("default_permissions", "allow_other"), m.driverOptions());
    assertEquals("chunkstore:/srv/store", m.fsname());
  }

  @Test
  void timeoutsWriteSizeAndFlagsAreParsed() throws Exception {
    Mounter.KernelMount m = parse("attr_timeout=0", "entry_timeout=0.5", "max_write=131072", "nosuid", "noatime",
        "writeback_cache", "kernel_cache", "nonempty");
    assertEquals(0, m.settings().attrTimeout());
    assertEquals(0.5, m.settings().entryTimeout());
    assertEquals(0.5, m.settings().negativeTimeout(), "negative_timeout follows entry_timeout");
    assertEquals(131072, m.settings().maxWrite());
    assertTrue(m.settings().writebackCache());
    assertEquals(List.of("ro", "nosuid", "noatime"), m.flagOptions());
  }

  @Test
  void anUnknownOrMalformedOptionIsRefusedInOneSentence() {
    MountException e = assertThrows(MountException.class, () -> parse("uid=1000"));
    assertTrue(e.getMessage().startsWith("unknown mount option 'uid=1000'"), e.getMessage());
    assertTrue(assertThrows(MountException.class, () -> parse("attr_timeout=soon")).getMessage()
        .contains("needs a number of seconds"));
    assertTrue(assertThrows(MountException.class, () -> parse("max_write=4194304")).getMessage()
        .contains("from 4096 to 1048576"));
  }
}
