package io.chunkstore.control;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * One request read from the control socket: a JSON object with an {@code "op"} and the
 * operation's own fields, e.g. {@code {"op":"stats"}} or {@code {"op":"gc","dryRun":true}}.
 * The getters throw {@link IllegalArgumentException} with a sentence for a field of the wrong
 * type, which the client gets as its error.
 *
 * @param op the operation
 * @param body the whole request object, {@code op} included
 */
public record ControlRequest(String op, ObjectNode body) {
  /** A text field, or {@code fallback} if absent. */
  public String text(String field, String fallback) {
    JsonNode n = present(field);
    if (n == null) {
      return fallback;
    }
    return n.isTextual() ? n.asText() : fail(field, "a string");
  }

  /** A true/false field, or {@code fallback} if absent. */
  public boolean flag(String field, boolean fallback) {
    JsonNode n = present(field);
    if (n == null) {
      return fallback;
    }
    return n.isBoolean() ? n.asBoolean() : fail(field, "true or false");
  }

  /** A whole-number field, or {@code fallback} if absent. */
  public long number(String field, long fallback) {
    JsonNode n = present(field);
    if (n == null) {
      return fallback;
    }
    return n.canConvertToExactIntegral() && n.canConvertToLong() ? n.asLong() : fail(field, "a whole number");
  }

  private JsonNode present(String field) {
    JsonNode n = body.get(field);
    return n == null || n.isNull() ? null : n;
  }

  private <T> T fail(String field, String what) {
    throw new IllegalArgumentException("\"" + field + "\" must be " + what + " in a " + op + " request");
  }
}
