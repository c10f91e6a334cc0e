/**
 * chunkstore's library: a deduplicating, compressing file store in a directory.
 *
 * <p>An embedder sees two packages. {@code io.chunkstore} is the API: {@link io.chunkstore.ChunkStore}
 * with its {@link io.chunkstore.FileInfo}, {@link io.chunkstore.StoreStats},
 * {@link io.chunkstore.StoreConfig}, {@link io.chunkstore.StorePermissions},
 * {@link io.chunkstore.Attributes} and the {@link io.chunkstore.StoreException} a caller catches
 * (besides the {@code java.nio.file} exceptions). {@code io.chunkstore.backend} is the SPI for
 * backend authors ({@link io.chunkstore.backend.Backend}, {@link io.chunkstore.backend.BackendProvider},
 * found through {@link java.util.ServiceLoader}).
 *
 * <p>The layers below (index, store, fs, pack, ...) are exported only to the project's own
 * modules, which name themselves with {@code Automatic-Module-Name} in their jars; they reach an
 * open store's parts through {@code io.chunkstore.internal.Internals}.
 */
module io.chunkstore.core {
  requires com.fasterxml.jackson.databind;
  requires jdk.net; // the control socket's peer credentials
  requires jdk.security.auth; // this process's uid and gid
  requires com.github.benmanes.caffeine;
  requires com.github.luben.zstd_jni;
  requires org.bouncycastle.provider;
  requires org.slf4j;
  requires org.jnrproject.jffi; // libcrypto's SHA-256
  requires rocksdbjni;

  // The library API and the backend SPI.
  exports io.chunkstore;
  exports io.chunkstore.backend;

  // The layers below, for the project's own modules only. Keep in step with what they import:
  // ModuleExportsTest (chunkstore-cli) checks every class of those modules against this list.
  exports io.chunkstore.chunking to io.chunkstore.fsck, io.chunkstore.bench;
  exports io.chunkstore.compress to io.chunkstore.fsck, io.chunkstore.bench;
  exports io.chunkstore.control to io.chunkstore.fuse, io.chunkstore.fsck, io.chunkstore.cli;
  exports io.chunkstore.fs to io.chunkstore.fuse, io.chunkstore.fsck, io.chunkstore.cli;
  exports io.chunkstore.hashing to io.chunkstore.fsck, io.chunkstore.bench;
  exports io.chunkstore.id to io.chunkstore.fsck, io.chunkstore.bench;
  exports io.chunkstore.index to io.chunkstore.fsck, io.chunkstore.bench;
  exports io.chunkstore.internal to io.chunkstore.fuse, io.chunkstore.fsck, io.chunkstore.cli, io.chunkstore.bench;
  exports io.chunkstore.pack to io.chunkstore.fsck, io.chunkstore.bench;
  exports io.chunkstore.store to io.chunkstore.fsck, io.chunkstore.cli, io.chunkstore.bench;

  uses io.chunkstore.backend.BackendProvider;
  provides io.chunkstore.backend.BackendProvider with io.chunkstore.backend.LocalDiskBackendProvider;
}
