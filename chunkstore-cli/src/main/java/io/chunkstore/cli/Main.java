package io.chunkstore.cli;

import java.util.List;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code chunkstore} launcher: one command with a subcommand per job. Errors end the process
 * with one sentence on stderr and exit status 1; usage errors with status 2.
 */
@Command(name = "chunkstore", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
    description = "A deduplicating, compressing file store.")
public final class Main {
  /** The subcommands, in the order the help lists them. */
  static final List<Class<?>> SUBCOMMANDS = List.of(InitCommand.class, PutCommand.class, GetCommand.class,
      LsCommand.class, RmCommand.class, MvCommand.class, MkdirCommand.class, StatsCommand.class,
      FsckCommand.class, GcCommand.class, RestoreCommand.class, MountCommand.class, UmountCommand.class, SelftestCommand.class,
      CommandLine.HelpCommand.class);

  public static void main(String[] args) {
    System.exit(run(args));
  }

  /** Runs the launcher and returns its exit status (for tests). */
  public static int run(String... args) {
    CommandLine cl = new CommandLine(new Main());
    // picocli reflects over every option of every subcommand it is given: a command that names
    // its subcommand gets only that one (a put starts ~0.1 s sooner); help and mistakes get all.
    Class<?> named = args.length > 0 ? subcommandNamed(args[0]) : null;
    for (Class<?> sub : named != null && named != CommandLine.HelpCommand.class ? List.<Class<?>>of(named) : SUBCOMMANDS) {
      cl.addSubcommand(sub);
    }
    cl.setExecutionExceptionHandler((ex, cmd, parsed) -> {
      if (ex instanceof Errors.Reported) {
        return cmd.getCommandSpec().exitCodeOnExecutionException();
      }
      cmd.getErr().println(cmd.getCommandName() + ": " + Errors.sentence(ex));
      if (System.getenv("CHUNKSTORE_DEBUG") != null) {
        ex.printStackTrace(cmd.getErr());
      }
      return cmd.getCommandSpec().exitCodeOnExecutionException();
    });
    return cl.execute(args);
  }

  /** The subcommand called {@code name} (or one of its aliases), or null. */
  static Class<?> subcommandNamed(String name) {
    for (Class<?> sub : SUBCOMMANDS) {
      Command c = sub.getAnnotation(Command.class);
      if (c.name().equals(name) || List.of(c.aliases()).contains(name)) {
        return sub;
      }
    }
    return null;
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
