/**
 * Super-chunks (pack files): many blocks in one immutable object, so that a backend stores a
 * few large objects instead of millions of small ones, and small blocks compress together.
 *
 * <p>{@link io.chunkstore.pack.SuperChunkWriter} writes a pack to a local file, then the store
 * puts it into a {@link io.chunkstore.backend.Backend}; {@link io.chunkstore.pack.SuperChunkReader}
 * reads single frames back with one range read each. Every pack describes itself in its trailer,
 * so the block index can be rebuilt from the packs alone, and every frame carries a checksum, so
 * a flipped bit is reported as a {@link io.chunkstore.pack.CorruptPackException}, never returned
 * as data.
 *
 * <h2>Format, version 1</h2>
 *
 * All integers are unsigned and big-endian; {@code u8}, {@code u32}, {@code u64} are 1, 4 and 8
 * bytes. Values of a {@code u32} above 2<sup>31</sup>-1 are treated as damage (no frame, block or
 * trailer is that large). CRC32C is {@link java.util.zip.CRC32C}.
 *
 * <pre>
 * pack    = header frame* trailer-body footer
 *
 * header  (8 bytes, at offset 0)
 *   0  4  magic        "CSPK" (0x43 0x53 0x50 0x4B)
 *   4  1  version      u8 = 1
 *   5  3  reserved     zero
 *
 * frame   (13 + stored length bytes; frames follow each other with no gaps, from offset 8)
 *   0  1  codec id     u8; 0 = stored raw (then stored length == raw length)
 *   1  4  raw length   u32, bytes after decompression
 *   5  4  stored len   u32, bytes that follow
 *   9  n  stored bytes the compressed (or raw) content
 * 9+n  4  checksum     u32, CRC32C of the 9 + n bytes before it (header and stored bytes)
 *
 * trailer-body (4 + 53 * count bytes)
 *   0  4  count        u32, number of blocks
 *   then per block, 53 bytes, in the order of their frames in the pack:
 *   0 32  block id     the block's hash
 *  32  8  frame offset u64, from the start of the pack
 *  40  4  frame length u32, the whole frame: 13 + stored length
 *  44  4  offset       u32, where the block starts in the frame's raw (decompressed) bytes
 *  48  4  length       u32, the block's length
 *  52  1  codec id     u8, the frame's codec (also in the frame header)
 *
 * footer  (the last 12 bytes)
 *   0  4  body length  u32, length of the trailer body (so it starts at size - 12 - body length)
 *   4  4  checksum     u32, CRC32C of the trailer body
 *   8  4  magic        "CSPT" (0x43 0x53 0x50 0x54)
 * </pre>
 *
 * <p>A frame holds either one block (a "solo" frame: a large block, read without touching its
 * neighbours) or several small blocks concatenated and compressed together (a "shared" frame:
 * a better ratio; the reader keeps the decompressed frame in its cache). A frame whose content
 * does not shrink is stored raw with codec id 0, whatever codec the store uses; codec 0 is handled
 * by this package itself, so reading it needs no codec. Other codec ids are looked up through a
 * {@link io.chunkstore.pack.CodecLookup}.
 *
 * <p>The trailer is at the end so a pack can be written in one pass; the writer re-reads it from
 * the file after fsync and compares it with what it meant to write before anyone trusts the
 * pack.
 */
package io.chunkstore.pack;
