/**
 * The mount daemon's control socket: how commands reach a store that a mount holds.
 *
 * <p>A mounted store is locked by its daemon, which listens on {@code STORE/control.sock}, a
 * Unix domain socket of mode 0600 that only the daemon's user and root may use ({@link
 * io.chunkstore.control.ControlServer}). {@link io.chunkstore.control.ControlClient} talks to it;
 * {@link io.chunkstore.control.StoreControl} serves a mounted store's operations, and a {@link
 * io.chunkstore.control.ControlSetup} adds more.
 *
 * <h2>Protocol</h2>
 *
 * <p>UTF-8 JSON, one object per line, both ways. A request names its operation and carries its
 * arguments; an optional {@code id} is echoed in every line of the answer:
 *
 * <pre>
 * → {"op":"stats"}
 * ← {"type":"result","value":{"logicalBytes":1048576,...,"deadBytes":0,"deadBlocks":0}}
 * → {"op":"fsck","id":7}
 * ← {"id":7,"type":"progress","value":{...}}        any number of these
 * ← {"id":7,"type":"result","value":{...}}          then exactly one result ...
 * ← {"id":7,"type":"error","message":"one sentence"} ... or one error
 * </pre>
 *
 * <p>A connection's requests are answered in order; several connections are served at once (up
 * to {@value io.chunkstore.control.ControlServer#MAX_CLIENTS}). A line that is not a JSON
 * object, lacks {@code op} or names an unknown operation gets one error line, and the
 * connection stays usable. Closing the connection (or its sending side) cancels what it asked
 * for, as far as the operation checks {@link io.chunkstore.control.ProgressSink#cancelled()}.
 * A socket nobody listens on (its daemon was killed) refuses connections: the store is not
 * mounted, and the next mount replaces the socket. A clean unmount removes it.
 */
package io.chunkstore.control;
