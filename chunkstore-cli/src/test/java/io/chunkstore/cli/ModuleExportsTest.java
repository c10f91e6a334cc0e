package io.chunkstore.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.chunkstore.ClassReferences;
import java.io.IOException;
import java.lang.module.ModuleDescriptor;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.jar.JarFile;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * chunkstore-core's module-info exports its layers below the API only to the project's own
 * modules, by name. Each of them carries that name (Automatic-Module-Name) and uses no package the
 * core does not export to it: what the JVM checks when they run on the module path, checked here
 * for every class they have, whichever code paths a test happens to run.
 */
class ModuleExportsTest {
  @ParameterizedTest(name = "{0}")
  @CsvSource({
      "io.chunkstore.fsck, io.chunkstore.fsck.MaintenanceStore",
      "io.chunkstore.fuse, io.chunkstore.fuse.Mounter",
      "io.chunkstore.cli, io.chunkstore.cli.Main",
      "io.chunkstore.tahoe, io.chunkstore.tahoe.TahoeBackend"})
  void theModuleUsesOnlyWhatTheCoreExportsToItsName(String module, String someClass) throws Exception {
    Path classes = ClassReferences.locationOf(Class.forName(someClass));
    assertEquals(module, automaticModuleName(classes), "the module name of " + classes);

    ModuleDescriptor core = ClassReferences.coreModule();
    Set<String> allowed = ClassReferences.packagesExportedTo(core, module);
    Map<String, Set<String>> hidden = new TreeMap<>();
    Map<String, Set<String>> refs = ClassReferences.of(classes);
    assertTrue(refs.size() > 3, "read the classes of " + classes);
    refs.forEach((cls, types) -> {
      for (String t : types) {
        String pkg = ClassReferences.packageOf(t);
        if (core.packages().contains(pkg) && !allowed.contains(pkg)) {
          hidden.computeIfAbsent(cls, k -> new TreeSet<>()).add(t);
        }
      }
    });
    assertEquals(Map.of(), hidden, "types of chunkstore-core packages not exported to " + module
        + " (add them to chunkstore-core's module-info.java, or use the API)");
  }

  /** The name in the jar's manifest, or, for classes not packaged yet, the one the module's pom gives its jar. */
  private static String automaticModuleName(Path classes) throws IOException {
    if (Files.isDirectory(classes)) {
      Path pom = classes.getParent().getParent().resolve("pom.xml");
      Matcher m = Pattern.compile("<Automatic-Module-Name>([^<]+)</Automatic-Module-Name>").matcher(Files.readString(pom));
      return m.find() ? m.group(1) : null;
    }
    try (JarFile jar = new JarFile(classes.toFile())) {
      return jar.getManifest().getMainAttributes().getValue("Automatic-Module-Name");
    }
  }
}
