package io.chunkstore;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.lang.reflect.Method;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The library example in README.md compiles against this build and does what it says, on the class
 * path and on the module path, and an embedder sees the API only: the layers below it are not
 * exported (module-info.java) and ChunkStore hands none of them out.
 */
class ReadmeExampleTest {
  @TempDir
  Path tmp;

  @Test
  void theReadmeLibraryExampleCompilesAndRuns() throws Exception {
    String readme = Files.readString(Path.of("..", "README.md"));
    Matcher m = Pattern.compile("```java\n(.*?)```", Pattern.DOTALL).matcher(readme);
    assertTrue(m.find(), "README.md has a ```java example");
    Path src = tmp.resolve("Example.java");
    Files.writeString(src, m.group(1));
    JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
    ByteArrayOutputStream diagnostics = new ByteArrayOutputStream();
    int status = javac.run(null, diagnostics, diagnostics, "-d", tmp.toString(), "-cp",
        System.getProperty("java.class.path"), src.toString());
    assertEquals(0, status, diagnostics.toString(StandardCharsets.UTF_8));

    PrintStream old = System.out;
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (URLClassLoader loader = new URLClassLoader(new URL[] {tmp.toUri().toURL()}, getClass().getClassLoader())) {
      System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
      Method main = loader.loadClass("Example").getMethod("main", String[].class);
      main.invoke(null, (Object) new String[] {tmp.resolve("store").toString()});
    } finally {
      System.setOut(old);
    }
    List<String> lines = out.toString(StandardCharsets.UTF_8).lines().toList();
    assertEquals("read back 1300000 bytes", lines.get(0));
    assertEquals("/docs/a.txt 1300000", lines.get(1));
    assertTrue(lines.get(3).contains("dedup 2.0x"), lines.get(3));
    try (ChunkStore s = ChunkStore.open(tmp.resolve("store"))) {
      assertEquals(1_300_000, s.stat("/a.txt").size());
    }
  }

  /**
   * What a project that depends on {@code io.chunkstore:chunkstore-core} gets at run time: this
   * module's classes and the runtime dependencies its pom declares, nothing from the test class
   * path or the CLI. The example compiles against them and runs in a JVM of its own.
   */
  @Test
  void theReadmeExampleRunsOnTheDeclaredRuntimeClasspathAlone() throws Exception {
    String runtime = declaredRuntimePath();
    for (String jar : runtime.split(java.io.File.pathSeparator)) {
      assertTrue(!jar.contains("slf4j-simple") && !jar.contains("junit"), "not a library dependency: " + jar);
    }
    Path src = tmp.resolve("Example.java");
    Files.writeString(src, readmeExample());
    ByteArrayOutputStream diagnostics = new ByteArrayOutputStream();
    int status = ToolProvider.getSystemJavaCompiler().run(null, diagnostics, diagnostics, "-d", tmp.toString(),
        "-cp", runtime, src.toString());
    assertEquals(0, status, diagnostics.toString(StandardCharsets.UTF_8));
    runExample(List.of("-cp", tmp + java.io.File.pathSeparator + runtime), "store2");
  }

  /**
   * An embedder on the module path: chunkstore-core and its declared runtime dependencies as
   * modules, the example in the unnamed module (as README shows it, without a package), which
   * reads what the core exports and nothing else.
   */
  @Test
  void theReadmeExampleCompilesAndRunsOnTheModulePath() throws Exception {
    String modulePath = declaredRuntimePath();
    Path src = tmp.resolve("Example.java");
    Files.writeString(src, readmeExample());
    assertEquals("", compile(modulePath, src), "the README example compiles on the module path");
    runExample(List.of("--module-path", modulePath, "--add-modules", "io.chunkstore.core", "-cp", tmp.toString()), "store3");
  }

  /** Runs the compiled example in a JVM of its own with {@code paths}, on a new store, and checks what it printed. */
  private void runExample(List<String> paths, String store) throws Exception {
    Path out = tmp.resolve("out.txt");
    Path err = tmp.resolve("err.txt");
    List<String> command = new java.util.ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx512m"));
    command.addAll(paths);
    command.addAll(List.of("Example", tmp.resolve(store).toString()));
    Process p = new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
    assertTrue(p.waitFor(5, java.util.concurrent.TimeUnit.MINUTES), "the example ran too long");
    assertEquals(0, p.exitValue(), Files.readString(err));
    List<String> lines = Files.readAllLines(out);
    assertEquals("read back 1300000 bytes", lines.get(0));
    assertTrue(lines.get(3).contains("dedup 2.0x"), lines.get(3));
    assertTrue(!Files.readString(err).contains("Exception"), Files.readString(err));
  }

  /** The index, the block layer, the file tree and the internal access point are the library's own business. */
  @Test
  void anEmbedderOnTheModulePathCannotImportTheLayersBelowTheApi() throws Exception {
    String modulePath = declaredRuntimePath();
    for (String hidden : List.of("io.chunkstore.index.Index", "io.chunkstore.store.BlockStore",
        "io.chunkstore.fs.FileTree", "io.chunkstore.internal.Internals", "io.chunkstore.pack.SuperChunkReader")) {
      Path src = tmp.resolve("Reach.java");
      Files.writeString(src, "import " + hidden + ";\npublic class Reach { " + hidden.substring(hidden.lastIndexOf('.') + 1)
          + " it; }\n");
      String errors = compile(modulePath, src);
      String pkg = hidden.substring(0, hidden.lastIndexOf('.'));
      assertTrue(errors.contains("package " + pkg + " is declared in module io.chunkstore.core, which does not export it"),
          "importing " + hidden + " must fail to compile, not: " + (errors.isEmpty() ? "compiled" : errors));
    }
  }

  /** Even on the class path, where packages are open, ChunkStore itself offers no way below the API. */
  @Test
  void chunkStoreHandsOutNoInternalPart() throws Exception {
    Path src = tmp.resolve("Reach.java");
    for (String call : List.of("index()", "blocks()", "tree()", "backend()", "storeDirectory()", "maintenanceLock()")) {
      Files.writeString(src, "public class Reach { Object of(io.chunkstore.ChunkStore s) { return s." + call + "; } }\n");
      ByteArrayOutputStream diagnostics = new ByteArrayOutputStream();
      int status = ToolProvider.getSystemJavaCompiler().run(null, diagnostics, diagnostics, "-d", tmp.toString(),
          "-cp", System.getProperty("java.class.path"), src.toString());
      assertTrue(status != 0 && diagnostics.toString(StandardCharsets.UTF_8).contains("cannot find symbol"),
          "ChunkStore." + call + " must not exist: " + diagnostics.toString(StandardCharsets.UTF_8));
    }
  }

  /**
   * Every public and protected member of the exported packages names only JDK types and exported
   * types, so that an embedder can use all of it: no index record or block layer leaks through a
   * signature.
   */
  @Test
  void theExportedApiNamesOnlyExportedTypes() throws Exception {
    java.lang.module.ModuleDescriptor core = ClassReferences.coreModule();
    java.util.Set<String> exported = ClassReferences.packagesExportedTo(core, "an.embedder");
    assertEquals(java.util.Set.of("io.chunkstore", "io.chunkstore.backend"), exported, "the API and the SPI");
    Path classes = ClassReferences.locationOf(ChunkStore.class);
    java.util.Set<String> leaks = new java.util.TreeSet<>();
    for (String pkg : exported) {
      try (var files = Files.list(classes.resolve(pkg.replace('.', '/')))) {
        for (Path f : (Iterable<Path>) files.filter(x -> x.toString().endsWith(".class"))::iterator) {
          String name = pkg + "." + f.getFileName().toString().replace(".class", "");
          Class<?> c = Class.forName(name, false, getClass().getClassLoader());
          if (!java.lang.reflect.Modifier.isPublic(c.getModifiers())) {
            continue;
          }
          for (java.lang.reflect.Method m : c.getDeclaredMethods()) {
            if (visible(m.getModifiers()) && !m.isSynthetic()) {
              check(leaks, exported, c, m.getName(), m.getGenericReturnType());
              for (java.lang.reflect.Type t : m.getGenericParameterTypes()) {
                check(leaks, exported, c, m.getName(), t);
              }
              for (Class<?> t : m.getExceptionTypes()) {
                check(leaks, exported, c, m.getName(), t);
              }
            }
          }
          for (java.lang.reflect.Constructor<?> k : c.getDeclaredConstructors()) {
            if (visible(k.getModifiers())) {
              for (java.lang.reflect.Type t : k.getGenericParameterTypes()) {
                check(leaks, exported, c, "<init>", t);
              }
            }
          }
          for (java.lang.reflect.Field fd : c.getDeclaredFields()) {
            if (visible(fd.getModifiers())) {
              check(leaks, exported, c, fd.getName(), fd.getGenericType());
            }
          }
        }
      }
    }
    assertEquals(java.util.Set.of(), leaks, "API members that name types an embedder cannot see");
  }

  private static boolean visible(int modifiers) {
    return java.lang.reflect.Modifier.isPublic(modifiers) || java.lang.reflect.Modifier.isProtected(modifiers);
  }

  private static void check(java.util.Set<String> leaks, java.util.Set<String> exported, Class<?> owner, String member,
      java.lang.reflect.Type type) {
    if (type instanceof java.lang.reflect.ParameterizedType p) {
      check(leaks, exported, owner, member, p.getRawType());
      for (java.lang.reflect.Type a : p.getActualTypeArguments()) {
        check(leaks, exported, owner, member, a);
      }
    } else if (type instanceof java.lang.reflect.GenericArrayType a) {
      check(leaks, exported, owner, member, a.getGenericComponentType());
    } else if (type instanceof Class<?> c) {
      while (c.isArray()) {
        c = c.getComponentType();
      }
      if (!c.isPrimitive() && c.getName().startsWith("io.chunkstore.") && !exported.contains(c.getPackageName())) {
        leaks.add(owner.getName() + "." + member + " names " + c.getName());
      }
    }
  }

  /** This module's classes and the runtime dependencies its pom declares, as a path. */
  private static String declaredRuntimePath() throws IOException {
    Path declared = Path.of("target", "runtime-classpath.txt");
    assertTrue(Files.exists(declared), "the build writes the declared runtime class path to " + declared);
    return Path.of("target", "classes").toAbsolutePath() + java.io.File.pathSeparator + Files.readString(declared).trim();
  }

  private static String readmeExample() throws IOException {
    String readme = Files.readString(Path.of("..", "README.md"));
    Matcher m = Pattern.compile("```java\n(.*?)```", Pattern.DOTALL).matcher(readme);
    assertTrue(m.find(), "README.md has a ```java example");
    return m.group(1);
  }

  /** Compiles {@code src} in the unnamed module against chunkstore-core on the module path; the errors, or "". */
  private String compile(String modulePath, Path src) {
    ByteArrayOutputStream diagnostics = new ByteArrayOutputStream();
    // an explicit class path: in-process javac would otherwise take this test JVM's, which has everything
    int status = ToolProvider.getSystemJavaCompiler().run(null, diagnostics, diagnostics, "-d", tmp.toString(),
        "-cp", tmp.toString(), "--module-path", modulePath, "--add-modules", "io.chunkstore.core", src.toString());
    String text = diagnostics.toString(StandardCharsets.UTF_8);
    return status == 0 ? "" : text.isEmpty() ? "javac failed" : text;
  }
}
