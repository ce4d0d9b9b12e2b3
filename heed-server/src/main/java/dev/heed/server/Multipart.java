package dev.heed.server;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A {@code multipart/form-data} body (RFC 7578) already read into memory within the payload limit: its parts, each
 * with its field name, file name, content type and bytes. Only what an upload form sends is understood (no nested
 * multiparts, no transfer encodings); anything malformed is a 400 naming the rule.
 *
 * <pre>{@code
 * Multipart form = Multipart.parse(ctx.contentType(), Bodies.bytes(ctx, limit));
 * Multipart.Part image = form.part("image");
 * }</pre>
 */
final class Multipart {
    /** One part: {@code name} from its Content-Disposition, {@code filename} and {@code contentType} when sent. */
    record Part(String name, String filename, String contentType, byte[] data) {
        String text() { return new String(data, StandardCharsets.UTF_8); }
    }

    static final int MAX_PARTS = 64;
    private final List<Part> parts;

    private Multipart(List<Part> parts) { this.parts = parts; }

    List<Part> parts() { return parts; }

    /** The first part with this field name, or null. */
    Part part(String name) {
        for (Part p : parts) if (p.name().equals(name)) return p;
        return null;
    }

    /** The boundary parameter of a multipart/form-data content type; 400 when it has none. */
    static String boundary(String contentType) {
        for (String param : contentType.split(";")) {
            String p = param.trim();
            if (p.regionMatches(true, 0, "boundary=", 0, 9)) {
                String b = p.substring(9).trim();
                if (b.length() >= 2 && b.startsWith("\"") && b.endsWith("\"")) b = b.substring(1, b.length() - 1);
                if (b.isEmpty() || b.length() > 70) break;
                return b;
            }
        }
        throw ApiException.badRequest("multipart/form-data needs a boundary parameter of 1 to 70 characters in its Content-Type", null);
    }

    /** Splits {@code body} at the boundary of {@code contentType}. */
    static Multipart parse(String contentType, byte[] body) {
        byte[] dash = ("--" + boundary(contentType)).getBytes(StandardCharsets.ISO_8859_1);
        byte[] delim = ("\r\n--" + boundary(contentType)).getBytes(StandardCharsets.ISO_8859_1);
        int at = indexOf(body, dash, 0);
        if (at < 0) throw bad("the body has no boundary line");
        int pos = at + dash.length;
        List<Part> parts = new ArrayList<>();
        while (true) {
            if (startsWith(body, pos, "--")) break;                              // the closing delimiter
            if (!startsWith(body, pos, "\r\n")) throw bad("a boundary line does not end with CRLF");
            pos += 2;
            int headersEnd = indexOf(body, "\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1), pos);
            if (headersEnd < 0) throw bad("a part's headers do not end with an empty line");
            String headers = new String(body, pos, headersEnd - pos, StandardCharsets.UTF_8);
            int dataStart = headersEnd + 4;
            int dataEnd = indexOf(body, delim, dataStart);
            if (dataEnd < 0) throw bad("the body ends before the closing boundary (truncated upload?)");
            if (parts.size() == MAX_PARTS) throw bad("more than " + MAX_PARTS + " parts");
            parts.add(part(headers, java.util.Arrays.copyOfRange(body, dataStart, dataEnd)));
            pos = dataEnd + delim.length;
        }
        return new Multipart(parts);
    }

    private static Part part(String headers, byte[] data) {
        String name = null, filename = null, type = null;
        for (String line : headers.split("\r\n")) {
            int colon = line.indexOf(':');
            if (colon < 0) continue;
            String key = line.substring(0, colon).trim().toLowerCase(Locale.ROOT), value = line.substring(colon + 1).trim();
            if (key.equals("content-type")) type = value;
            if (!key.equals("content-disposition")) continue;
            name = param(value, "name");
            filename = param(value, "filename");
        }
        if (name == null) throw bad("a part has no Content-Disposition with a name");
        return new Part(name, filename, type, data);
    }

    /** A parameter of a Content-Disposition value: {@code name="image"} (quoted, with \" escapes) or unquoted. */
    private static String param(String value, String key) {
        int i = 0;
        while (i < value.length()) {
            int semi = value.indexOf(';', i);
            if (semi < 0) return null;
            int start = semi + 1;
            while (start < value.length() && value.charAt(start) == ' ') start++;
            int eq = value.indexOf('=', start);
            if (eq < 0) return null;
            String k = value.substring(start, eq).trim();
            int v = eq + 1;
            String val;
            int next;
            if (v < value.length() && value.charAt(v) == '"') {
                StringBuilder sb = new StringBuilder();
                int j = v + 1;
                for (; j < value.length() && value.charAt(j) != '"'; j++) {
                    if (value.charAt(j) == '\\' && j + 1 < value.length()) j++;
                    sb.append(value.charAt(j));
                }
                val = sb.toString();
                next = j + 1;
            } else {
                int end = value.indexOf(';', v);
                val = value.substring(v, end < 0 ? value.length() : end).trim();
                next = end < 0 ? value.length() : end;
            }
            if (k.equalsIgnoreCase(key)) return val;
            i = next;
        }
        return null;
    }

    private static ApiException bad(String rule) {
        return ApiException.badRequest("malformed multipart/form-data body: " + rule, null);
    }

    private static boolean startsWith(byte[] a, int at, String s) {
        if (at + s.length() > a.length) return false;
        for (int i = 0; i < s.length(); i++) if (a[at + i] != s.charAt(i)) return false;
        return true;
    }

    static int indexOf(byte[] a, byte[] needle, int from) {
        outer:
        for (int i = Math.max(0, from); i <= a.length - needle.length; i++) {
            for (int j = 0; j < needle.length; j++) if (a[i + j] != needle[j]) continue outer;
            return i;
        }
        return -1;
    }
}
