package io.chunkstore.cli;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

/** Runs the launcher in this JVM and captures what it prints. */
final class CliRunner {
  record Result(int status, String out, String err) {}

  private CliRunner() {}

  /**
   * {@code init STORE --backend tahoe:URL} plus {@code options}: a store on a test grid's client
   * node. Fails the test, with init's message, unless it succeeds.
   */
  static Result initOnGrid(java.nio.file.Path store, java.net.URI clientUrl, String... options) {
    java.util.List<String> args = new java.util.ArrayList<>(java.util.List.of("init", store.toString(), "--backend",
        "tahoe:" + clientUrl));
    args.addAll(java.util.List.of(options));
    Result r = run(args.toArray(String[]::new));
    org.junit.jupiter.api.Assertions.assertEquals(0, r.status(), r.err());
    return r;
  }

  static synchronized Result run(String... args) {
    PrintStream oldOut = System.out;
    PrintStream oldErr = System.err;
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    try {
      System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
      System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
      int status = Main.run(args);
      return new Result(status, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    } finally {
      System.setOut(oldOut);
      System.setErr(oldErr);
    }
  }
}
