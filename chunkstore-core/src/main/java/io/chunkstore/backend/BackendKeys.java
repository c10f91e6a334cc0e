package io.chunkstore.backend;

/**
 * Checks object keys against the rule every {@link Backend} shares: 1..128 characters of
 * {@code [0-9a-zA-Z._-]}, and not {@code .} or {@code ..}. One place, so that every backend
 * rejects the same keys and a key that works on one backend works on all.
 */
public final class BackendKeys {
  /** The longest key a backend accepts. */
  public static final int MAX_LENGTH = 128;

  private BackendKeys() {}

  /** Whether {@code key} is a valid object key. */
  public static boolean isValid(String key) {
    if (key == null || key.isEmpty() || key.length() > MAX_LENGTH) {
      return false;
    }
    if (key.equals(".") || key.equals("..")) {
      return false;
    }
    return allKeyChars(key);
  }

  /**
   * Returns {@code key} if it is valid.
   *
   * @throws IllegalArgumentException naming the key and the rule, if it is not
   */
  public static String check(String key) {
    if (!isValid(key)) {
      throw new IllegalArgumentException(
          "invalid object key \"" + key + "\": a key is 1.." + MAX_LENGTH
              + " characters of [0-9a-zA-Z._-], and not \".\" or \"..\"");
    }
    return key;
  }

  /**
   * Returns {@code prefix} if it could start a valid key (the empty prefix matches every key).
   *
   * @throws IllegalArgumentException if it could not
   */
  public static String checkPrefix(String prefix) {
    if (prefix == null || prefix.length() > MAX_LENGTH || !allKeyChars(prefix)) {
      throw new IllegalArgumentException(
          "invalid key prefix \"" + prefix + "\": only [0-9a-zA-Z._-] may appear in keys");
    }
    return prefix;
  }

  private static boolean allKeyChars(String s) {
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      boolean ok =
          (c >= '0' && c <= '9')
              || (c >= 'a' && c <= 'z')
              || (c >= 'A' && c <= 'Z')
              || c == '.'
              || c == '_'
              || c == '-';
      if (!ok) {
        return false;
      }
    }
    return true;
  }
}
