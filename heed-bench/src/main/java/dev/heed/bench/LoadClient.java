package dev.heed.bench;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * A minimal HTTP/1.1 load client: one keep-alive socket, a request written in one go, the answer read on the calling
 * thread (status line, headers, a {@code Content-Length} or chunked body). It exists because the generator shares the
 * machine with the server: the JDK {@code HttpClient} moves every exchange through its selector and executor threads,
 * which costs CPU and wake-ups the server then lacks. This client costs one write and a few reads per request, as
 * {@code hey} or {@code wrk} would. Not thread-safe: one per client thread.
 */
final class LoadClient implements AutoCloseable {
    /** One answer: the status and the body as text. */
    record Reply(int status, String body) {}

    private final URI base;
    private Socket socket;
    private InputStream in;
    private OutputStream out;

    LoadClient(URI base) {
        this.base = base;
    }

    /** POSTs {@code json} to {@code path}; reconnects once if the server had closed the kept-alive connection. */
    Reply post(String path, byte[] json) throws IOException {
        boolean fresh = socket == null;
        try {
            return exchange(path, json);
        } catch (IOException e) {
            close();
            if (fresh) throw e;
            return exchange(path, json);     // the kept-alive connection was closed: one new attempt
        }
    }

    private Reply exchange(String path, byte[] json) throws IOException {
        if (socket == null) {
            socket = new Socket();
            socket.setTcpNoDelay(true);
            socket.connect(new InetSocketAddress(base.getHost(), base.getPort()), 10_000);
            socket.setSoTimeout(120_000);
            in = new BufferedInputStream(socket.getInputStream(), 16384);
            out = socket.getOutputStream();
        }
        byte[] head = ("POST " + path + " HTTP/1.1\r\nHost: " + base.getHost() + ":" + base.getPort()
                + "\r\nContent-Type: application/json\r\nContent-Length: " + json.length + "\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1);
        byte[] req = new byte[head.length + json.length];
        System.arraycopy(head, 0, req, 0, head.length);
        System.arraycopy(json, 0, req, head.length, json.length);
        out.write(req);
        out.flush();
        String status = line();
        if (status == null) throw new IOException("connection closed before the status line");
        if (!status.startsWith("HTTP/1.1 ") && !status.startsWith("HTTP/1.0 ")) throw new IOException("not an HTTP status line: " + status);
        int code = Integer.parseInt(status.substring(9, 12));
        long length = -1;
        boolean chunked = false, close = status.startsWith("HTTP/1.0");
        for (String h; (h = line()) != null && !h.isEmpty(); ) {
            int colon = h.indexOf(':');
            if (colon < 0) continue;
            String name = h.substring(0, colon).trim().toLowerCase(Locale.ROOT);
            String value = h.substring(colon + 1).trim();
            switch (name) {
                case "content-length" -> length = Long.parseLong(value);
                case "transfer-encoding" -> chunked = value.toLowerCase(Locale.ROOT).contains("chunked");
                case "connection" -> close = value.equalsIgnoreCase("close");
                default -> { }
            }
        }
        ByteArrayOutputStream body = new ByteArrayOutputStream(length > 0 ? (int) length : 8192);
        if (chunked) {
            for (String size; (size = line()) != null; ) {
                int semi = size.indexOf(';');
                int n = Integer.parseInt((semi < 0 ? size : size.substring(0, semi)).trim(), 16);
                if (n == 0) {
                    while (true) {                         // trailers, up to the empty line
                        String t = line();
                        if (t == null || t.isEmpty()) break;
                    }
                    break;
                }
                copy(body, n);
                line();                                    // the CRLF after the chunk
            }
        } else if (length >= 0) {
            copy(body, length);
        } else {
            in.transferTo(body);                           // no length: the body ends with the connection
            close = true;
        }
        if (close) close();
        return new Reply(code, body.toString(StandardCharsets.UTF_8));
    }

    private void copy(ByteArrayOutputStream to, long n) throws IOException {
        byte[] buf = new byte[8192];
        while (n > 0) {
            int r = in.read(buf, 0, (int) Math.min(buf.length, n));
            if (r < 0) throw new IOException("connection closed inside the body");
            to.write(buf, 0, r);
            n -= r;
        }
    }

    /** One CRLF-terminated line (ISO-8859-1), without the CRLF; null at end of stream. */
    private String line() throws IOException {
        StringBuilder sb = new StringBuilder(64);
        for (int c; (c = in.read()) >= 0; ) {
            if (c == '\n') {
                int n = sb.length();
                if (n > 0 && sb.charAt(n - 1) == '\r') sb.setLength(n - 1);
                return sb.toString();
            }
            sb.append((char) c);
        }
        return sb.isEmpty() ? null : sb.toString();
    }

    @Override
    public void close() {
        if (socket != null) {
            try {
                socket.close();
            } catch (IOException ignored) {
                // closing a socket that failed already
            }
        }
        socket = null;
        in = null;
        out = null;
    }
}
