package io.chunkstore.control;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/**
 * Sends one request line to a control socket from a process running as another user (uid and
 * gid 65534, "nobody"), and tells what came back: {@code REPLY <line>}, or {@code FAILED
 * <message>} if it could not connect. The client is a single-file Java program run with
 * {@code setpriv}, so it needs nothing that user cannot read. Needs root.
 */
public final class OtherUserClient {
  /** The uid and gid the client runs as. */
  public static final int NOBODY = 65534;

  private static final String SOURCE = """
      import java.net.UnixDomainSocketAddress;
      import java.nio.ByteBuffer;
      import java.nio.channels.Channels;
      import java.nio.channels.SocketChannel;
      import java.nio.charset.StandardCharsets;
      public class ForeignClient {
        public static void main(String[] a) throws Exception {
          try (SocketChannel c = SocketChannel.open(UnixDomainSocketAddress.of(a[0]))) {
            try {
              c.write(ByteBuffer.wrap((a[1] + "\\n").getBytes(StandardCharsets.UTF_8)));
            } catch (java.io.IOException refusedAlready) {
              // a daemon that refuses says why and closes, maybe before the request is written
            }
            var r = new java.io.BufferedReader(Channels.newReader(c, StandardCharsets.UTF_8));
            System.out.println("REPLY " + r.readLine());
          } catch (java.io.IOException e) {
            System.out.println("FAILED " + e.getMessage());
          }
        }
      }
      """;

  private OtherUserClient() {}

  /** Skips unless this test runs as root with setpriv at hand. */
  public static void assumeRoot() throws IOException {
    Assumptions.assumeTrue("root".equals(Files.getOwner(Path.of("/proc/self")).getName()),
        "needs root to run a process as uid " + NOBODY);
    Assumptions.assumeTrue(Files.isExecutable(Path.of("/usr/bin/setpriv")), "needs setpriv (util-linux)");
  }

  /** Sends {@code requestLine} to {@code socket} as uid 65534 and returns what the client printed. */
  public static String send(Path socket, String requestLine) throws IOException, InterruptedException {
    Path dir = Files.createTempDirectory("other-user-client");
    try {
      Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
      Path src = dir.resolve("ForeignClient.java");
      Files.writeString(src, SOURCE);
      Files.setPosixFilePermissions(src, PosixFilePermissions.fromString("rw-r--r--"));
      String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
      Process p = new ProcessBuilder(List.of("/usr/bin/setpriv", "--reuid=" + NOBODY, "--regid=" + NOBODY,
          "--clear-groups", java, "-XX:-UsePerfData", "-Xshare:off", src.toString(), socket.toString(), requestLine))
          .directory(dir.toFile()).redirectErrorStream(true).start();
      if (!p.waitFor(120, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw new IOException("the client running as uid " + NOBODY + " did not finish within 120 s");
      }
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
      return out.lines().filter(l -> l.startsWith("REPLY ") || l.startsWith("FAILED ")).findFirst()
          .orElseThrow(() -> new IOException("the client running as uid " + NOBODY + " printed: " + out));
    } finally {
      try (var s = Files.list(dir)) {
        for (Path f : s.toList()) {
          Files.deleteIfExists(f);
        }
      }
      Files.deleteIfExists(dir);
    }
  }
}
