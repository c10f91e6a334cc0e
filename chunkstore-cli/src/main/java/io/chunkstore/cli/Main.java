package io.chunkstore.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code chunkstore} launcher: one command with a subcommand per job. Errors end the process
 * with one sentence on stderr and exit status 1; usage errors with status 2.
 */
@Command(name = "chunkstore", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
    description = "A deduplicating, compressing file store.",
    subcommands = {InitCommand.class, PutCommand.class, GetCommand.class, LsCommand.class,
        RmCommand.class,
        MvCommand.class,
        MkdirCommand.class,
        StatsCommand.class, FsckCommand.class, GcCommand.class, RestoreCommand.class, MountCommand.class, UmountCommand.class, SelftestCommand.class, CommandLine.HelpCommand.class})
public final class Main {
  public static void main(String[] args) {
    System.exit(run(args));
  }

  /** Runs the launcher and returns its exit status (for tests). */
  public static int run(String... args) {
    CommandLine cl = new CommandLine(new Main());
    cl.setExecutionExceptionHandler((ex, cmd, parsed) -> {
      cmd.getErr().println(cmd.getCommandName() + ": " + Errors.sentence(ex));
      if (System.getenv("CHUNKSTORE_DEBUG") != null) {
        ex.printStackTrace(cmd.getErr());
      }
      return cmd.getCommandSpec().exitCodeOnExecutionException();
    });
    return cl.execute(args);
  }

  /** Reports the version from the jar's manifest. */
  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      String v = Main.class.getPackage().getImplementationVersion();
      return new String[] {"chunkstore " + (v == null ? "dev" : v)};
    }
  }
}
