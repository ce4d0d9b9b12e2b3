package dev.heed.fuzz;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import java.nio.charset.StandardCharsets;

/**
 * A plain-Java {@link FuzzedDataProvider} over a byte array, for {@link FuzzCampaign} (Jazzer's own provider
 * needs its agent). Values are read from the front, little-endian; an exhausted provider returns the lower
 * bound / zero / empty, as Jazzer's does. Not byte-compatible with Jazzer's provider: a campaign input replays
 * through this class, not through a {@code @FuzzTest} regression folder.
 */
final class ByteDataProvider implements FuzzedDataProvider {
    private final byte[] data;
    private int pos;

    ByteDataProvider(byte[] data) {
        this.data = data;
    }

    private long bits(int bytes) {
        long v = 0;
        for (int i = 0; i < bytes && pos < data.length; i++) v |= (data[pos++] & 0xffL) << (8 * i);
        return v;
    }

    private long range(long min, long max) {
        if (min > max) throw new IllegalArgumentException("min > max");
        long span = max - min;
        if (span == 0) return min;
        long r = bits(span > 0xffffffffL || span < 0 ? 8 : span > 0xffff ? 4 : span > 0xff ? 2 : 1);
        return span < 0 ? min + r : min + Long.remainderUnsigned(r, span + 1);
    }

    @Override public boolean consumeBoolean() { return (bits(1) & 1) != 0; }
    @Override public boolean[] consumeBooleans(int n) { boolean[] a = new boolean[Math.max(0, Math.min(n, remainingBytes()))]; for (int i = 0; i < a.length; i++) a[i] = consumeBoolean(); return a; }
    @Override public byte consumeByte() { return (byte) bits(1); }
    @Override public byte consumeByte(byte min, byte max) { return (byte) range(min, max); }
    @Override public byte[] consumeBytes(int n) { int k = Math.max(0, Math.min(n, remainingBytes())); byte[] a = java.util.Arrays.copyOfRange(data, pos, pos + k); pos += k; return a; }
    @Override public byte[] consumeRemainingAsBytes() { return consumeBytes(remainingBytes()); }
    @Override public short consumeShort() { return (short) bits(2); }
    @Override public short consumeShort(short min, short max) { return (short) range(min, max); }
    @Override public short[] consumeShorts(int n) { short[] a = new short[Math.max(0, Math.min(n, remainingBytes() / 2))]; for (int i = 0; i < a.length; i++) a[i] = consumeShort(); return a; }
    @Override public int consumeInt() { return (int) bits(4); }
    @Override public int consumeInt(int min, int max) { return (int) range(min, max); }
    @Override public int[] consumeInts(int n) { int[] a = new int[Math.max(0, Math.min(n, remainingBytes() / 4))]; for (int i = 0; i < a.length; i++) a[i] = consumeInt(); return a; }
    @Override public long consumeLong() { return bits(8); }
    @Override public long consumeLong(long min, long max) { return range(min, max); }
    @Override public long[] consumeLongs(int n) { long[] a = new long[Math.max(0, Math.min(n, remainingBytes() / 8))]; for (int i = 0; i < a.length; i++) a[i] = consumeLong(); return a; }
    @Override public float consumeFloat() { return Float.intBitsToFloat((int) bits(4)); }
    @Override public float consumeRegularFloat() { return consumeRegularFloat(-Float.MAX_VALUE, Float.MAX_VALUE); }
    @Override public float consumeRegularFloat(float min, float max) { return (float) consumeRegularDouble(min, max); }
    @Override public float consumeProbabilityFloat() { return (float) consumeProbabilityDouble(); }
    @Override public double consumeDouble() { return Double.longBitsToDouble(bits(8)); }
    @Override public double consumeRegularDouble() { return consumeRegularDouble(-Double.MAX_VALUE, Double.MAX_VALUE); }
    @Override public double consumeRegularDouble(double min, double max) { return min + (max / 2 - min / 2) * 2 * consumeProbabilityDouble(); }
    @Override public double consumeProbabilityDouble() { return (bits(8) >>> 11) / (double) (1L << 53); }
    @Override public char consumeChar() { return (char) bits(2); }
    @Override public char consumeChar(char min, char max) { return (char) range(min, max); }
    @Override public char consumeCharNoSurrogates() { char c = consumeChar(); return Character.isSurrogate(c) ? '?' : c; }
    @Override public String consumeString(int maxLength) {
        int n = (int) range(0, Math.max(0, maxLength));
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < n && remainingBytes() > 0; i++) {
            int b = (int) bits(1);
            sb.append(b < 0x80 ? (char) b : b < 0xc0 ? consumeCharNoSurrogates() : b < 0xe0 ? "中é\u0301 ##[UNK]".charAt(b % 9) : ' ');
        }
        return sb.toString();
    }
    @Override public String consumeRemainingAsString() { return new String(consumeRemainingAsBytes(), StandardCharsets.UTF_8); }
    @Override public String consumeAsciiString(int maxLength) { StringBuilder sb = new StringBuilder(); int n = (int) range(0, Math.max(0, maxLength)); for (int i = 0; i < n && remainingBytes() > 0; i++) sb.append((char) (bits(1) & 0x7f)); return sb.toString(); }
    @Override public String consumeRemainingAsAsciiString() { StringBuilder sb = new StringBuilder(); while (remainingBytes() > 0) sb.append((char) (bits(1) & 0x7f)); return sb.toString(); }
    @Override public int remainingBytes() { return data.length - pos; }
}
