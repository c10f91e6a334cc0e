package io.chunkstore.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Background mounts made by {@code chunkstore mount} in a test: mounts and unmounts them the way a
 * user would, and after each test unmounts what is left and waits for the daemons, so that no
 * mount outlives its test (register with {@code @RegisterExtension}).
 */
final class BackgroundMounts implements AfterEachCallback {
  private static final Pattern PID = Pattern.compile("\\(pid (\\d+)\\)");

  private final Duration cliTimeout;
  private final Duration daemonExit;
  private final List<Path> mountPoints = new ArrayList<>();
  private final List<Long> daemons = new ArrayList<>();

  /**
   * @param cliTimeout how long a mount or umount command may take
   * @param daemonExit how long a daemon may take to end after its unmount
   */
  BackgroundMounts(Duration cliTimeout, Duration daemonExit) {
    this.cliTimeout = cliTimeout;
    this.daemonExit = daemonExit;
  }

  /** Unmounts {@code mp} after the test, whoever mounted it. */
  Path track(Path mp) {
    mountPoints.add(mp);
    return mp;
  }

  /** Mounts {@code store} at {@code mp} in the background and returns the daemon's pid. */
  long mount(Path store, Path mp, String... options) throws Exception {
    List<String> cmd = new ArrayList<>(List.of("mount", store.toString(), mp.toString()));
    cmd.addAll(List.of(options));
    return mount(mp, FuseProcesses.launcher(cmd.toArray(String[]::new)));
  }

  /** Runs {@code command}, a full launcher command line that mounts at {@code mp}; returns the daemon's pid. */
  long mount(Path mp, List<String> command) throws Exception {
    track(mp);
    FuseProcesses.Result r = FuseProcesses.run(cliTimeout, command);
    assertEquals(0, r.status(), "mount failed: " + r.err());
    return watch(r);
  }

  /** The pid that a successful mount's message names; the daemon is waited for after the test. */
  long watch(FuseProcesses.Result mounted) {
    Matcher m = PID.matcher(mounted.err());
    assertTrue(m.find(), "mount names the daemon's pid: " + mounted.err());
    long pid = Long.parseLong(m.group(1));
    daemons.add(pid);
    return pid;
  }

  /** {@code chunkstore umount mp}, which must succeed, then waits for the daemon {@code pid} to end. */
  void umount(Path mp, long pid) throws Exception {
    FuseProcesses.Result u = FuseProcesses.cli(cliTimeout, "umount", mp.toString());
    assertEquals(0, u.status(), "umount: " + u.err());
    awaitExit(pid);
  }

  /** Waits for the daemon {@code pid} to end. */
  void awaitExit(long pid) throws Exception {
    Optional<ProcessHandle> daemon = ProcessHandle.of(pid);
    if (daemon.isPresent()) {
      daemon.get().onExit().get(daemonExit.toSeconds(), TimeUnit.SECONDS);
    }
  }

  @Override
  public void afterEach(ExtensionContext context) throws Exception {
    for (Path mp : mountPoints) {
      FuseProcesses.unmountQuietly(mp);
    }
    for (long pid : daemons) {
      Optional<ProcessHandle> h = ProcessHandle.of(pid);
      if (h.isPresent() && h.get().isAlive()) {
        try {
          h.get().onExit().get(daemonExit.toSeconds(), TimeUnit.SECONDS);
        } catch (TimeoutException e) {
          h.get().destroyForcibly();
        }
      }
    }
    mountPoints.clear();
    daemons.clear();
  }
}
