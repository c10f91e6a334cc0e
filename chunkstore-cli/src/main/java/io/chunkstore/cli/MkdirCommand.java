package io.chunkstore.cli;

import io.chunkstore.ChunkStore;
import io.chunkstore.Attributes;
import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "mkdir", mixinStandardHelpOptions = true,
    description = {"Make directories in an unmounted store, as mkdir does. Exit status 1 if one could not be made."})
final class MkdirCommand implements Callable<Integer> {
  @Parameters(index = "0", paramLabel = "STORE", description = "The store's directory.")
  Path store;

  @Parameters(index = "1..*", arity = "1..*", paramLabel = "PATH", description = "Directories to make.")
  List<String> paths;

  @Option(names = {"-p", "--parents"}, description = "Make missing parents too; no error if it exists already.")
  boolean parents;

  @Option(names = {"-m", "--mode"}, paramLabel = "MODE", description = "Permissions in octal (default 0755).")
  String mode;

  @Override
  public Integer call() throws Exception {
    Attributes attrs = Attributes.none();
    if (mode != null) {
      if (!mode.matches("[0-7]{1,4}")) {
        throw new picocli.CommandLine.ParameterException(new picocli.CommandLine(this),
            "invalid mode '" + mode + "': give it in octal, such as 0750");
      }
      attrs = Attributes.permissions(Integer.parseInt(mode, 8));
    }
    int failures = 0;
    try (ChunkStore cs = FileOps.open(store, mp -> "mkdir " + (parents ? "-p " : "")
        + String.join(" ", paths.stream().map(p -> FileOps.underMount(mp, p)).toList()))) {
      for (String p : paths) {
        String path = p;
        try {
          path = FileOps.storePath(p);
          if (parents) {
            if (cs.exists(path) && !cs.stat(path).isDirectory()) {
              throw new FileAlreadyExistsException(path);
            }
            cs.mkdirs(path);
            if (mode != null) {
              cs.setAttributes(path, attrs);
            }
          } else {
            cs.mkdir(path, attrs);
          }
        } catch (IOException e) {
          failures++;
          System.err.println("mkdir: cannot create directory " + Errors.quote(path) + ": " + FileOps.reason(e));
        }
      }
    }
    return failures == 0 ? 0 : 1;
  }
}
