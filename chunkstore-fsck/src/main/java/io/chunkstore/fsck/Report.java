package io.chunkstore.fsck;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** What a maintenance run found and did: its findings and a few figures. Not thread-safe. */
public final class Report {
  private final List<Finding> findings = new ArrayList<>();
  private final List<Finding> fixed = new ArrayList<>();
  private final Map<String, Long> figures = new LinkedHashMap<>();

  /** Adds a finding. */
  public void add(Finding f) {
    findings.add(f);
  }

  /** Records that repair fixed {@code f}. */
  public void fixed(Finding f) {
    fixed.add(f);
  }

  /** Sets a figure such as {@code blocks} or {@code bytesRead}. */
  public void figure(String name, long value) {
    figures.put(name, value);
  }

  /** Adds to a figure. */
  public void addToFigure(String name, long delta) {
    figures.merge(name, delta, Long::sum);
  }

  /** Every finding still standing, in the order found. */
  public List<Finding> findings() {
    return Collections.unmodifiableList(findings);
  }

  /** The findings that repair fixed. */
  public List<Finding> fixedFindings() {
    return Collections.unmodifiableList(fixed);
  }

  /** The findings that are errors. */
  public List<Finding> errors() {
    return findings.stream().filter(Finding::isError).toList();
  }

  /** The figures, in the order they were set. */
  public Map<String, Long> figures() {
    return Collections.unmodifiableMap(figures);
  }

  /** Replaces the findings with {@code other}'s and adds its figures (a later round of a repair). */
  public void replaceFindings(Report other) {
    findings.clear();
    findings.addAll(other.findings);
    other.figures.forEach(figures::put);
  }

  /** Moves the findings of {@code other} and its figures into this report. */
  public void absorb(Report other) {
    findings.addAll(other.findings);
    fixed.addAll(other.fixed);
    other.figures.forEach((k, v) -> figures.merge(k, v, Long::sum));
  }

  /** The e2fsck-style exit status: 0 clean, 1 errors fixed and none left, 4 errors left. */
  public int exitStatus() {
    if (!errors().isEmpty()) {
      return 4;
    }
    return fixed.stream().anyMatch(Finding::isError) ? 1 : 0;
  }
}
