package io.chunkstore.pack;

/**
 * One frame found by {@link SuperChunkReader#scanFrames}, read from the frame itself rather than
 * from the trailer, so that fsck can check a pack whose trailer is damaged.
 *
 * @param offset offset of the frame from the start of the pack
 * @param length the whole frame's length, header and checksum included
 * @param codec the codec id in the frame header
 * @param rawLength the decompressed length in the frame header
 * @param checksumOk whether the frame's CRC32C matches
 */
public record FrameInfo(long offset, int length, byte codec, int rawLength, boolean checksumOk) {}
