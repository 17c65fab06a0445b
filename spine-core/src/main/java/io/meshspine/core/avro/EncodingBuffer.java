package io.meshspine.core.avro;

import org.apache.avro.io.BinaryEncoder;

import java.io.OutputStream;
import java.util.Arrays;

/**
 * A growable buffer Avro values are encoded into, reused per thread with the encoder bound to it: the gate encodes two or
 * three values per record, and ByteArrayOutputStream's synchronized byte-at-a-time writes showed in its profile.
 */
public class EncodingBuffer extends OutputStream {

    private byte[] buf = new byte[512];
    private int count;
    /** The encoder last bound to this buffer, handed back to {@code EncoderFactory} to be reused. */
    public BinaryEncoder encoder;

    @Override
    public final void write(int b) {
        ensure(1);
        buf[count++] = (byte) b;
    }

    @Override
    public final void write(byte[] b, int off, int len) {
        ensure(len);
        System.arraycopy(b, off, buf, count, len);
        count += len;
    }

    /** The wire-format header: the magic byte and the writer schema's 4-byte content id. */
    public final void writeHeader(long contentId) {
        write(WireFormat.MAGIC);
        write((int) (contentId >>> 24));
        write((int) (contentId >>> 16));
        write((int) (contentId >>> 8));
        write((int) contentId);
    }

    public final void reset() {
        count = 0;
    }

    /** A copy of what was written since the last reset. */
    public final byte[] toByteArray() {
        return Arrays.copyOf(buf, count);
    }

    private void ensure(int more) {
        if (count + more > buf.length) {
            buf = Arrays.copyOf(buf, Math.max(buf.length * 2, count + more));
        }
    }
}
