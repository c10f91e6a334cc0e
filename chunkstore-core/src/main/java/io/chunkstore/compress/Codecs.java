package io.chunkstore.compress;

import java.io.IOException;
import java.util.Locale;

/**
 * Finds codecs: by persisted spec when writing, by the id in a frame when reading.
 *
 * <p>Codec ids are written into every frame and are never reused: a retired codec keeps its id
 * forever, so an old pack can never be decoded by the wrong codec. Taken: 0 = none, 1 = zstd.
 */
public final class Codecs {
  /** The codec of new stores. */
  public static final String DEFAULT_SPEC = "zstd:3";

  private static final ZstdCodec ZSTD_DEFAULT = new ZstdCodec(ZstdCodec.DEFAULT_LEVEL);

  private Codecs() {}

  /** The codec of {@link #DEFAULT_SPEC}. */
  public static Codec defaultCodec() {
    return ZSTD_DEFAULT;
  }

  /**
   * Parses a spec for writing: {@code none}, {@code zstd} (level 3) or {@code zstd:N} with N in
   * zstd's range ({@code zstd:0} is zstd's default, level 3).
   *
   * @throws IllegalArgumentException if the spec names no known codec or a bad level
   */
  public static Codec parse(String spec) {
    if (spec == null || spec.isBlank()) {
      throw new IllegalArgumentException("codec spec is empty");
    }
    String s = spec.trim().toLowerCase(Locale.ROOT);
    if (s.equals("none")) {
      return NoneCodec.INSTANCE;
    }
    if (s.equals("zstd")) {
      return ZSTD_DEFAULT;
    }
    if (s.startsWith("zstd:")) {
      String n = s.substring("zstd:".length());
      int level;
      try {
        level = Integer.parseInt(n);
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException(
            "zstd level '" + n + "' in codec spec '" + spec + "' is not a whole number");
      }
      return level == ZstdCodec.DEFAULT_LEVEL ? ZSTD_DEFAULT : new ZstdCodec(level);
    }
    throw new IllegalArgumentException(
        "unknown codec spec '" + spec + "'; use none, zstd or zstd:LEVEL");
  }

  /**
   * The codec that decodes frames with {@code id}. For zstd it is the default level's codec,
   * which reads frames of any level.
   *
   * @throws IOException if this version knows no codec with that id
   */
  public static Codec byId(byte id) throws IOException {
    switch (id) {
      case NoneCodec.ID:
        return NoneCodec.INSTANCE;
      case ZstdCodec.ID:
        return ZSTD_DEFAULT;
      default:
        throw new IOException(
            "frame uses codec id " + Byte.toUnsignedInt(id) + ", which this version does not know");
    }
  }
}
