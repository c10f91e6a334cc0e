package io.chunkstore.fuse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The verdict on stress-ng's output, for the formats of the versions before and after 0.15.07. */
class StressNgOutputTest {
  private static final String OLD_PASS = """
      stress-ng: info:  [17070] setting to a 20 second run per stressor
      stress-ng: info:  [17070] dispatching hogs: 2 hdd, 1 dir, 1 rename, 1 link, 1 symlink, 1 xattr, 1 seek
      stress-ng: info:  [17070] successful run completed in 21.16s
      """;
  private static final String NEW_PASS = """
      stress-ng: info:  [4242] setting to a 20 secs run per stressor
      stress-ng: info:  [4242] dispatching hogs: 2 hdd, 1 dir, 1 rename, 1 link, 1 symlink, 1 xattr, 1 seek
      stress-ng: info:  [4242] skipped: 0
      stress-ng: info:  [4242] passed: 8: hdd (2) dir (1) rename (1) link (1) symlink (1) xattr (1) seek (1)
      stress-ng: info:  [4242] failed: 0
      stress-ng: info:  [4242] metrics untrustworthy: 0
      stress-ng: info:  [4242] successful run completed in 20.03 secs
      """;

  @Test
  void aPassedRunOfEitherFormatHasNoProblems() {
    assertEquals(List.of(), StressNgOutput.problems(OLD_PASS));
    assertEquals(List.of(), StressNgOutput.problems(NEW_PASS), "'failed: 0' is a pass, not a failure");
  }

  @Test
  void aFailedCountIsAProblem() {
    String out = NEW_PASS.replace("passed: 8: hdd (2)", "passed: 7: hdd (1)").replace("failed: 0", "failed: 1: hdd (1)");
    List<String> p = StressNgOutput.problems(out);
    assertEquals(1, p.size(), p.toString());
    assertTrue(p.get(0).startsWith("failed: 1"), p.toString());
  }

  @Test
  void aSkippedStressorIsAProblemBecauseItVerifiedNothing() {
    assertEquals(1, StressNgOutput.problems(NEW_PASS.replace("skipped: 0", "skipped: 1: xattr (1)")).size());
  }

  @Test
  void aFailLineOrAFailedVerificationIsAProblem() {
    String fail = OLD_PASS.replace("stress-ng: info:  [17070] successful",
        "stress-ng: fail:  [17080] hdd: data mismatch at offset 4096\nstress-ng: info:  [17070] successful");
    assertEquals(1, StressNgOutput.problems(fail).size(), StressNgOutput.problems(fail).toString());
    assertEquals(1, StressNgOutput.problems(OLD_PASS + "seek: verification failed\n").size());
  }

  @Test
  void aRunThatDidNotCompleteIsAProblem() {
    assertEquals(1, StressNgOutput.problems(OLD_PASS.replace("successful run completed", "unsuccessful run completed")).size());
  }
}
