package io.chunkstore.pack;

import io.chunkstore.compress.Codec;
import java.io.IOException;
import java.util.zip.DataFormatException;
import java.util.zip.Deflater;
import java.util.zip.Inflater;

/** Codecs for tests, so that pack tests do not depend on the real codec classes. */
final class TestCodecs {
  private TestCodecs() {}

  /** Like NoneCodec: id 0, copies bytes. */
  static final Codec IDENTITY =
      new Codec() {
        @Override
        public byte id() {
          return 0;
        }

        @Override
        public String spec() {
          return "none";
        }

        @Override
        public int maxCompressedLength(int rawLength) {
          return rawLength;
        }

        @Override
        public int compress(byte[] src, int srcOff, int len, byte[] dst, int dstOff) {
          System.arraycopy(src, srcOff, dst, dstOff, len);
          return len;
        }

        @Override
        public void decompress(byte[] src, int srcOff, int len, byte[] dst, int dstOff, int rawLength)
            throws IOException {
          if (len != rawLength) {
            throw new IOException("length mismatch");
          }
          System.arraycopy(src, srcOff, dst, dstOff, len);
        }
      };

  /** java.util.zip deflate under test-only id 100. */
  static final Codec DEFLATE = new DeflateCodec((byte) 100);

  /** Looks up {@link #IDENTITY} and {@link #DEFLATE}. */
  static final CodecLookup LOOKUP =
      id -> {
        if (id == 0) {
          return IDENTITY;
        }
        if (id == 100) {
          return DEFLATE;
        }
        throw new IOException("unknown codec id " + (id & 0xff));
      };

  static class DeflateCodec implements Codec {
    private final byte id;

    DeflateCodec(byte id) {
      this.id = id;
    }

    @Override
    public byte id() {
      return id;
    }

    @Override
    public String spec() {
      return "deflate-test";
    }

    @Override
    public int maxCompressedLength(int rawLength) {
      return rawLength + rawLength / 100 + 64;
    }

    @Override
    public int compress(byte[] src, int srcOff, int len, byte[] dst, int dstOff) {
      Deflater d = new Deflater(6, true);
      try {
        d.setInput(src, srcOff, len);
        d.finish();
        int n = 0;
        int cap = maxCompressedLength(len);
        while (!d.finished()) {
          if (n == cap) {
            throw new IllegalStateException("deflate output exceeds its bound");
          }
          n += d.deflate(dst, dstOff + n, cap - n);
        }
        return n;
      } finally {
        d.end();
      }
    }

    @Override
    public void decompress(byte[] src, int srcOff, int len, byte[] dst, int dstOff, int rawLength)
        throws IOException {
      Inflater inf = new Inflater(true);
      try {
        inf.setInput(src, srcOff, len);
        int n = 0;
        while (n < rawLength && !inf.finished()) {
          int k = inf.inflate(dst, dstOff + n, rawLength - n);
          if (k == 0 && (inf.needsInput() || inf.needsDictionary())) {
            break;
          }
          n += k;
        }
        if (n != rawLength || inf.getRemaining() > 0) {
          throw new IOException("deflate data does not decompress to " + rawLength + " bytes");
        }
      } catch (DataFormatException e) {
        throw new IOException("bad deflate data: " + e.getMessage(), e);
      } finally {
        inf.end();
      }
    }
  }
}
