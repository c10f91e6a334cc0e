package io.chunkstore.cli;

import io.chunkstore.ChunkStore;
import io.chunkstore.FileInfo;
import java.nio.file.Path;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "ls", mixinStandardHelpOptions = true, description = "List a directory of the store (or show one file).")
final class LsCommand implements Callable<Integer> {
  private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm").withZone(ZoneId.systemDefault());

  @Parameters(index = "0", paramLabel = "STORE", description = "The store's directory.")
  Path store;

  @Parameters(index = "1", arity = "0..1", paramLabel = "PATH", defaultValue = "/",
      description = "Path inside the store (default: /).")
  String path;

  @Option(names = {"-l", "--long"}, description = "Show type, permissions, owner, size and time.")
  boolean longFormat;

  @Option(names = "--json", description = "Print one JSON object per line.")
  boolean json;

  @picocli.CommandLine.Spec
  picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() throws Exception {
    if (path.isEmpty()) {
      throw new picocli.CommandLine.ParameterException(spec.commandLine(),
          "PATH is empty; an empty path names nothing (use / for the whole store)");
    }
    try (ChunkStore cs = Stores.open(store)) {
      FileInfo target = cs.stat(path);
      List<FileInfo> entries = target.isDirectory() ? cs.list(path) : List.of(target);
      for (FileInfo f : entries) {
        String name = target.isDirectory() ? f.path().substring(f.path().lastIndexOf('/') + 1) : f.path();
        if (json) {
          System.out.printf("{\"path\":%s,\"type\":\"%s\",\"size\":%d,\"mode\":\"%04o\",\"uid\":%d,\"gid\":%d,\"mtime\":\"%s\"%s}%n",
              quote(f.path()), f.type().name().toLowerCase(java.util.Locale.ROOT), f.size(), f.permissions(), f.uid(),
              f.gid(), f.modified(), f.symlinkTarget() == null ? "" : ",\"target\":" + quote(f.symlinkTarget()));
        } else if (longFormat) {
          System.out.printf("%s %3d %5d %5d %12s %s %s%s%n", modeString(f), f.links(), f.uid(), f.gid(),
              f.type() == FileInfo.Type.CHARACTER_DEVICE || f.type() == FileInfo.Type.BLOCK_DEVICE
                  ? major(f.device()) + ", " + minor(f.device()) : Long.toString(f.size()),
              TIME.format(f.modified()), escape(name), f.symlinkTarget() == null ? "" : " -> " + escape(f.symlinkTarget()));
        } else {
          System.out.println(escape(name) + (f.isDirectory() ? "/" : ""));
        }
      }
    }
    return 0;
  }

  /** As {@code ls -l}: the type, then rwx with s, S, t and T for setuid, setgid and sticky. */
  static String modeString(FileInfo f) {
    StringBuilder sb = new StringBuilder();
    sb.append(switch (f.type()) {
      case DIRECTORY -> 'd';
      case SYMLINK -> 'l';
      case FILE -> '-';
      case FIFO -> 'p';
      case SOCKET -> 's';
      case CHARACTER_DEVICE -> 'c';
      case BLOCK_DEVICE -> 'b';
      case OTHER -> '?';
    });
    int p = f.permissions();
    String rwx = "rwxrwxrwx";
    for (int i = 0; i < 9; i++) {
      sb.append((p & (1 << (8 - i))) != 0 ? rwx.charAt(i) : '-');
    }
    special(sb, 3, (p & 04000) != 0, 's');
    special(sb, 6, (p & 02000) != 0, 's');
    special(sb, 9, (p & 01000) != 0, 't');
    return sb.toString();
  }

  private static void special(StringBuilder sb, int at, boolean set, char c) {
    if (set) {
      sb.setCharAt(at, sb.charAt(at) == 'x' ? c : Character.toUpperCase(c));
    }
  }

  /** The major and minor numbers of a Linux {@code dev_t}. */
  static long major(long dev) {
    return (dev >>> 8 & 0xfff) | (dev >>> 32 & ~0xfffL);
  }

  static long minor(long dev) {
    return (dev & 0xff) | (dev >>> 12 & ~0xffL);
  }

  /** A name with its control characters and backslashes escaped as in C, so that one entry is one line. */
  static String escape(String s) {
    StringBuilder sb = new StringBuilder();
    for (char c : s.toCharArray()) {
      switch (c) {
        case '\\' -> sb.append("\\\\");
        case '\n' -> sb.append("\\n");
        case '\t' -> sb.append("\\t");
        case '\r' -> sb.append("\\r");
        default -> {
          if (c < 0x20 || c == 0x7f) {
            sb.append(String.format("\\%03o", (int) c));
          } else {
            sb.append(c);
          }
        }
      }
    }
    return sb.toString();
  }

  static String quote(String s) {
    StringBuilder sb = new StringBuilder("\"");
    for (char c : s.toCharArray()) {
      switch (c) {
        case '"' -> sb.append("\\\"");
        case '\\' -> sb.append("\\\\");
        default -> {
          if (c < 0x20) {
            sb.append(String.format("\\u%04x", (int) c));
          } else {
            sb.append(c);
          }
        }
      }
    }
    return sb.append('"').toString();
  }
}
