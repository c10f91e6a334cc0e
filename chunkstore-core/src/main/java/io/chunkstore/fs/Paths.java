package io.chunkstore.fs;

import java.util.ArrayList;
import java.util.List;

/** Splitting and joining store paths: absolute, {@code /}-separated, no {@code .} or {@code ..}. */
final class Paths {
  private Paths() {}

  /** The names of {@code path} from the root down; empty for the root. */
  static List<String> split(String path) {
    List<String> out = new ArrayList<>();
    for (String s : path.split("/")) {
      if (s.isEmpty()) {
        continue;
      }
      if (s.equals(".") || s.equals("..") || s.indexOf('\0') >= 0) {
        throw new IllegalArgumentException("'" + path + "' is not a valid store path: use absolute paths without . or ..");
      }
      out.add(s);
    }
    return out;
  }

  static String last(List<String> names) {
    return names.get(names.size() - 1);
  }

  static String join(List<String> names) {
    return "/" + String.join("/", names);
  }
}
