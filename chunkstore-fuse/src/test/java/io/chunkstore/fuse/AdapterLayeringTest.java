package io.chunkstore.fuse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.chunkstore.ClassReferences;
import java.lang.module.ModuleDescriptor;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * The FUSE module only translates: its compiled classes name the fs layer's own types and the
 * library API, never the index's records or anything else below fs (DESIGN.md, "FUSE").
 */
class AdapterLayeringTest {
  private static final String MODULE = "io.chunkstore.fuse";

  @Test
  void theAdaptersReferToNoIndexType() throws Exception {
    Map<String, Set<String>> refs = ClassReferences.of(ClassReferences.locationOf(LowLevelFuse.class));
    assertTrue(refs.containsKey("io/chunkstore/fuse/LowLevelFuse.class") && refs.containsKey("io/chunkstore/fuse/ChunkstoreFuse.class"),
        "read the adapters' classes: " + refs.keySet());
    Map<String, Set<String>> index = new TreeMap<>();
    refs.forEach((cls, types) -> types.stream().filter(t -> t.startsWith("io.chunkstore.index."))
        .forEach(t -> index.computeIfAbsent(cls, k -> new java.util.TreeSet<>()).add(t)));
    assertEquals(Map.of(), index, "classes of the FUSE module that name index types");
  }

  @Test
  void theAdaptersUseOnlyWhatTheCoreExportsToThem() throws Exception {
    ModuleDescriptor core = ClassReferences.coreModule();
    Set<String> allowed = ClassReferences.packagesExportedTo(core, MODULE);
    Map<String, Set<String>> hidden = new TreeMap<>();
    ClassReferences.of(ClassReferences.locationOf(LowLevelFuse.class)).forEach((cls, types) -> {
      for (String t : types) {
        String pkg = ClassReferences.packageOf(t);
        if (core.packages().contains(pkg) && !allowed.contains(pkg)) {
          hidden.computeIfAbsent(cls, k -> new java.util.TreeSet<>()).add(t);
        }
      }
    });
    assertEquals(Map.of(), hidden, "types of packages chunkstore-core does not export to " + MODULE);
    assertTrue(!allowed.contains("io.chunkstore.index") && !allowed.contains("io.chunkstore.store"),
        "the core exports only the API, fs, control and internal to the FUSE module: " + allowed);
  }
}
