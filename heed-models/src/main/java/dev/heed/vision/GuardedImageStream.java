package dev.heed.vision;

import java.io.EOFException;
import java.io.IOException;
import javax.imageio.stream.ImageInputStream;
import javax.imageio.stream.ImageInputStreamImpl;

/**
 * An {@link ImageInputStream} in front of the real one that a decoder reads through, so that Heed notices
 * what some decoders do not:
 * <ul>
 *   <li><b>reads past the end</b>: every read that finds the data exhausted is counted
 *       ({@link #pastEnd()}), so a truncated GIF or WebP that a decoder fills with zeros is reported as
 *       truncated; after {@value #MAX_PAST_END} such reads the stream throws, so that a decoder that keeps
 *       reading "bits" from nothing (TwelveMonkeys' lossless WebP on a 42-byte file declaring 10,000²
 *       pixels) stops at once instead of spinning for minutes;</li>
 *   <li><b>time</b>: each read checks a deadline and throws once it has passed.</li>
 * </ul>
 * Bit-level reads ({@code readBits}) go through {@link #read()} in {@link ImageInputStreamImpl}, so they are
 * covered too.
 */
final class GuardedImageStream extends ImageInputStreamImpl {
    /** Reads past the end tolerated before the stream gives up (readers probe once or twice legitimately). */
    static final int MAX_PAST_END = 64;

    private final ImageInputStream in;
    private long deadlineNanos;
    private int pastEnd;

    GuardedImageStream(ImageInputStream in, long deadlineNanos) {
        this.in = in;
        this.deadlineNanos = deadlineNanos;
    }

    /** Moves the deadline (once the declared size is known). */
    void deadline(long nanos) {
        this.deadlineNanos = nanos;
    }

    /** How many reads found the data exhausted. */
    int pastEnd() {
        return pastEnd;
    }

    /** Whether the deadline has passed. */
    boolean overtime() {
        return System.nanoTime() - deadlineNanos > 0;
    }

    private void guard() throws IOException {
        if (overtime()) throw new DecodeTimeout();
    }

    private void ended() throws IOException {
        if (++pastEnd > MAX_PAST_END) {
            throw new EOFException("the decoder read past the end of the data " + pastEnd + " times (truncated data)");
        }
    }

    @Override
    public int read() throws IOException {
        checkClosed();
        guard();
        bitOffset = 0;
        in.seek(streamPos);
        int b = in.read();
        if (b < 0) {
            ended();
            return -1;
        }
        streamPos++;
        return b;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        checkClosed();
        guard();
        bitOffset = 0;
        if (len == 0) return 0;
        in.seek(streamPos);
        int n = in.read(b, off, len);
        if (n <= 0) {
            ended();
            return -1;
        }
        streamPos += n;
        return n;
    }

    @Override
    public long length() {
        try {
            return in.length();
        } catch (IOException e) {
            return -1;
        }
    }

    @Override
    public void close() throws IOException {
        super.close();
        in.close();
    }

    /** Thrown when decoding outlives its deadline. */
    static final class DecodeTimeout extends IOException {
        DecodeTimeout() {
            super("decoding took longer than its time bound");
        }
    }
}
