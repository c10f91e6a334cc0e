/**
 * A {@link io.chunkstore.backend.Backend} that keeps super-chunks in a Tahoe-LAFS grid through a
 * client node's web API: {@link io.chunkstore.tahoe.TahoeBackend}, found by the core as the
 * {@code tahoe} scheme through {@link io.chunkstore.tahoe.TahoeBackendProvider}. Caps stay inside
 * this package.
 */
package io.chunkstore.tahoe;
