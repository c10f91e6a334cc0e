package io.chunkstore.fuse;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What a stress-ng run says about itself. From 0.15.07 on it ends with counts
 * ({@code skipped: 0}, {@code passed: 8: hdd (2) ...}, {@code failed: 0}); older versions print
 * only {@code fail:} lines for what went wrong. A run passed if it completed, no line reports a
 * failure or a failed verification, and every count that is there says nothing failed or was
 * skipped.
 */
final class StressNgOutput {
  private static final Pattern FAIL_LINE = Pattern.compile("(?im)^stress-ng: fail:|\\bfail: \\[|verif(y|ication) (error|fail)");
  private static final Pattern COMPLETED = Pattern.compile("(?m)\\] successful run completed");
  private static final Pattern COUNT = Pattern.compile("(?m)\\b(passed|failed|skipped): (\\d+)");

  private StressNgOutput() {}

  /** Why {@code out} is not a passed run, or an empty list if it is one. */
  static List<String> problems(String out) {
    List<String> problems = new ArrayList<>();
    if (!COMPLETED.matcher(out).find()) {
      problems.add("no 'successful run completed'");
    }
    Matcher f = FAIL_LINE.matcher(out);
    if (f.find()) {
      problems.add("a failure is reported: " + line(out, f.start()));
    }
    Matcher c = COUNT.matcher(out);
    boolean passedCount = false;
    while (c.find()) {
      long n = Long.parseLong(c.group(2));
      switch (c.group(1)) {
        case "passed" -> {
          passedCount = true;
          if (n == 0) {
            problems.add("no stressor passed: " + line(out, c.start()));
          }
        }
        case "failed", "skipped" -> {
          if (n != 0) {
            problems.add(c.group(1) + ": " + n + " (" + line(out, c.start()) + ")");
          }
        }
        default -> throw new AssertionError(c.group(1));
      }
    }
    if (out.contains("failed: ") && !passedCount) {
      problems.add("a 'failed' count without a 'passed' count");
    }
    return problems;
  }

  private static String line(String s, int at) {
    int from = s.lastIndexOf('\n', at) + 1;
    int to = s.indexOf('\n', at);
    return s.substring(from, to < 0 ? s.length() : to).strip();
  }
}
