package io.chunkstore.pack;

import io.chunkstore.compress.Codec;
import java.io.IOException;

/**
 * Finds the codec for an id read from a frame, such as {@code Codecs::byId}. A function rather
 * than a registry so that the pack layer does not depend on which codecs exist.
 */
@FunctionalInterface
public interface CodecLookup {
  /**
   * The codec with this id.
   *
   * @throws IOException if no codec has this id (a pack written by a newer version, or damage)
   */
  Codec byId(byte id) throws IOException;
}
