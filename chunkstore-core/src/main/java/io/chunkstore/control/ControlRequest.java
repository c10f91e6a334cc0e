package io.chunkstore.control;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * One request read from the control socket: a JSON object with an {@code "op"} and the
 * operation's own fields, e.g. {@code {"op":"stats"}} or {@code {"op":"gc","dryRun":true}}.
 *
 * @param op the operation
 * @param body the whole request object, {@code op} included
 */
public record ControlRequest(String op, ObjectNode body) {
  /** A text field, or {@code fallback} if absent; a field of another type is a bad request. */
  public String text(String field, String fallback) {
    JsonNode n = body.get(field);
    if (n == null || n.isNull()) {
      return fallback;
    }
    if (!n.isTextual()) {
      throw new IllegalArgumentException("\"" + field + "\" must be a string in a " + op + " request");
    }
    return n.asText();
  }

  /** A true/false field, or {@code fallback} if absent. */
  public boolean flag(String field, boolean fallback) {
    JsonNode n = body.get(field);
    if (n == null || n.isNull()) {
      return fallback;
    }
    if (!n.isBoolean()) {
      throw new IllegalArgumentException("\"" + field + "\" must be true or false in a " + op + " request");
    }
    return n.asBoolean();
  }

  /** A whole-number field, or {@code fallback} if absent. */
  public long number(String field, long fallback) {
    JsonNode n = body.get(field);
    if (n == null || n.isNull()) {
      return fallback;
    }
    if (!n.canConvertToExactIntegral() || !n.canConvertToLong()) {
      throw new IllegalArgumentException("\"" + field + "\" must be a whole number in a " + op + " request");
    }
    return n.asLong();
  }
}
