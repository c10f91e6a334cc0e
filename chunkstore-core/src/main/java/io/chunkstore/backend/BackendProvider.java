package io.chunkstore.backend;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;

/**
 * Makes the {@link Backend} of a store from its scheme, the {@code backend} field of
 * {@code chunkstore.json}: {@code local}, {@code tahoe}, ... Providers are found with
 * {@link java.util.ServiceLoader}, so that the core does not depend on the modules that bring
 * them; {@link Backends} looks them up.
 *
 * <p>Connection settings (a node's URL, a secret directory cap) are not part of a store's format:
 * a provider keeps them in a file of its own beside {@code chunkstore.json}.
 */
public interface BackendProvider {
  /** The scheme this provider serves, such as {@code local}. */
  String scheme();

  /**
   * Prepares the backend of a store that is being created in {@code storeRoot}: for a remote
   * backend, creates its space there and writes the connection settings.
   *
   * @param location what followed {@code scheme:} in {@code --backend}, or empty
   * @throws IOException with one sentence if the backend cannot be reached or set up
   */
  void initialize(Path storeRoot, String location) throws IOException;

  /**
   * Opens the backend of the store in {@code storeRoot}.
   *
   * @param options settings of this opening that are not kept with the store, such as
   *     {@code sync_upload=true}; a provider ignores the ones it does not know
   */
  Backend open(Path storeRoot, Map<String, String> options) throws IOException;
}
