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

  @Override
  public Integer call() throws Exception {
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
          System.out.printf("%s %5d %5d %12d %s %s%s%n", modeString(f), f.uid(), f.gid(), f.size(),
              TIME.format(f.modified()), name, f.symlinkTarget() == null ? "" : " -> " + f.symlinkTarget());
        } else {
          System.out.println(name + (f.isDirectory() ? "/" : ""));
        }
      }
    }
    return 0;
  }

  private static String modeString(FileInfo f) {
    StringBuilder sb = new StringBuilder();
    sb.append(switch (f.type()) {
      case DIRECTORY -> 'd';
      case SYMLINK -> 'l';
      case FILE -> '-';
      case OTHER -> '?';
    });
    String rwx = "rwxrwxrwx";
    for (int i = 0; i < 9; i++) {
      sb.append((f.permissions() & (1 << (8 - i))) != 0 ? rwx.charAt(i) : '-');
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
