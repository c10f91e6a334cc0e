package io.chunkstore;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
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

/** The library example in README.md compiles against this build and does what it says. */
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
    Path declared = Path.of("target", "runtime-classpath.txt");
    assertTrue(Files.exists(declared), "the build writes the declared runtime class path to " + declared);
    String runtime = Path.of("target", "classes").toAbsolutePath() + java.io.File.pathSeparator
        + Files.readString(declared).trim();
    for (String jar : runtime.split(java.io.File.pathSeparator)) {
      assertTrue(!jar.contains("slf4j-simple") && !jar.contains("junit"), "not a library dependency: " + jar);
    }
    String readme = Files.readString(Path.of("..", "README.md"));
    Matcher m = Pattern.compile("```java\n(.*?)```", Pattern.DOTALL).matcher(readme);
    assertTrue(m.find(), "README.md has a ```java example");
    Path src = tmp.resolve("Example.java");
    Files.writeString(src, m.group(1));
    ByteArrayOutputStream diagnostics = new ByteArrayOutputStream();
    int status = ToolProvider.getSystemJavaCompiler().run(null, diagnostics, diagnostics, "-d", tmp.toString(),
        "-cp", runtime, src.toString());
    assertEquals(0, status, diagnostics.toString(StandardCharsets.UTF_8));

    Path out = tmp.resolve("out.txt");
    Path err = tmp.resolve("err.txt");
    Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx512m",
        "-cp", tmp + java.io.File.pathSeparator + runtime, "Example", tmp.resolve("store2").toString())
        .redirectOutput(out.toFile()).redirectError(err.toFile()).start();
    assertTrue(p.waitFor(5, java.util.concurrent.TimeUnit.MINUTES), "the example ran too long");
    assertEquals(0, p.exitValue(), Files.readString(err));
    List<String> lines = Files.readAllLines(out);
    assertEquals("read back 1300000 bytes", lines.get(0));
    assertTrue(lines.get(3).contains("dedup 2.0x"), lines.get(3));
    assertTrue(!Files.readString(err).contains("Exception"), Files.readString(err));
  }
}
