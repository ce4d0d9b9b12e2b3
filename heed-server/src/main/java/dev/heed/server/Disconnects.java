package dev.heed.server;

import io.javalin.http.Context;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.eclipse.jetty.ee10.servlet.ServletContextRequest;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.server.Request;

/**
 * Notices a client that goes away while its request waits for its answer (queued for a batch, or computing), so the
 * request can be withdrawn before it is computed.
 *
 * <p>Why a watcher of its own: Jetty reads an HTTP/1.1 connection only when it needs bytes, so once a request's body
 * is read and the answer is pending, a client's close goes unseen until the answer is written. Here the connection's
 * socket is also registered, for reading, with one selector of this class (a channel may belong to several
 * selectors; Jetty's has no read interest meanwhile). When the socket becomes readable while the answer is pending it
 * is probed with a one-byte read: end of stream or a reset means the client is gone ({@code onGone} runs once). Bytes
 * mean the client pipelined its next request; that byte is consumed, so the connection is closed after this answer
 * (RFC 9112 section 9.3.2: a pipelining client must be ready to retry on a closed connection). Once the answer is
 * complete the socket leaves the selector before Jetty reads it again. Jetty's own failure reports (idle timeout, a
 * close it sees) count as gone as well.
 */
final class Disconnects implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(Disconnects.class.getName());

    /** One pending answer's connection. */
    private static final class Watch {
        final SocketChannel channel;
        final EndPoint endPoint;
        final Runnable onGone;
        final AtomicBoolean fired = new AtomicBoolean();
        SelectionKey key;          // guarded by this
        boolean done;              // guarded by this: the answer is complete, never touch the socket again
        boolean poisoned;          // guarded by this: a byte of the next request was consumed

        Watch(SocketChannel channel, EndPoint endPoint, Runnable onGone) {
            this.channel = channel;
            this.endPoint = endPoint;
            this.onGone = onGone;
        }

        void gone() {
            if (fired.compareAndSet(false, true)) onGone.run();
        }
    }

    private final Selector selector;
    private final ConcurrentLinkedQueue<Watch> pending = new ConcurrentLinkedQueue<>();
    private final Thread thread;
    private volatile boolean open = true;

    Disconnects() {
        try {
            selector = Selector.open();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException("heed serve: cannot open a selector for disconnect detection", e);
        }
        thread = new Thread(this::loop, "heed-disconnects");
        thread.setDaemon(true);
        thread.start();
    }

    /**
     * Withdraws {@code answer} (cancels it) if the client of {@code ctx} goes away before it completes; returns the
     * stage to write the response from, which completes only once the socket is no longer watched (so no probe can
     * touch the connection after the answer is on its way, when the client may send its next request).
     */
    <T> CompletableFuture<T> watch(Context ctx, CompletableFuture<T> answer) {
        // once the watcher is closed (the server is stopping) nothing is withdrawn: Jetty's stop closes connections
        // and fails their requests, which is not a client leaving; the grace period lets the answers finish
        Watch w = watch(ctx, () -> {
            if (open) answer.cancel(false);
        });
        return w == null ? answer : answer.whenComplete((v, e) -> finish(w));
    }

    /** Runs {@code onGone} (once) if the client of {@code ctx} goes away before its answer is complete. */
    private Watch watch(Context ctx, Runnable onGone) {
        Request request;
        try {
            request = ServletContextRequest.getServletContextRequest(ctx.req());
        } catch (RuntimeException e) {
            return null;                                     // not a Jetty request (cannot happen under Javalin)
        }
        if (request == null) return null;
        EndPoint endPoint = request.getConnectionMetaData().getConnection().getEndPoint();
        Watch w = new Watch(endPoint.getTransport() instanceof SocketChannel ch ? ch : null, endPoint, onGone);
        request.addFailureListener(failure -> w.gone());
        Request.addCompletionListener(request, failure -> completed(w));
        // Jetty reads on its own only when it is fill-interested; then it sees a close itself (failure listener)
        if (w.channel == null || endPoint.isFillInterested()) return w;
        pending.add(w);
        selector.wakeup();
        return w;
    }

    /**
     * The answer is ready (or the request over): the socket leaves this selector for good, before the answer is
     * written. A poisoned connection is closed once the response is complete.
     */
    private void finish(Watch w) {
        synchronized (w) {
            if (w.done) return;
            w.done = true;
            w.fired.set(true);                               // a later close of a keep-alive connection is normal
            if (w.key != null) w.key.cancel();
        }
        selector.wakeup();                                   // deregisters the cancelled key
    }

    /** The response is complete: the watch is over; a connection whose next request lost a byte is closed. */
    private void completed(Watch w) {
        finish(w);
        boolean close;
        synchronized (w) {
            close = w.poisoned;
        }
        if (close) w.endPoint.close();
    }

    private void loop() {
        ByteBuffer one = ByteBuffer.allocate(1);
        while (open) {
            try {
                selector.select(1000);
                for (Watch w; (w = pending.poll()) != null; ) {
                    synchronized (w) {
                        if (w.done) continue;
                        try {
                            w.key = w.channel.register(selector, SelectionKey.OP_READ, w);
                        } catch (IOException | RuntimeException e) {
                            continue;                        // closed meanwhile: Jetty reports it
                        }
                    }
                }
                for (SelectionKey k : selector.selectedKeys()) {
                    Watch w = (Watch) k.attachment();
                    boolean gone = false;
                    synchronized (w) {
                        k.cancel();                          // one probe per answer
                        if (w.done) continue;
                        one.clear();
                        int n;
                        try {
                            n = w.channel.read(one);
                        } catch (IOException e) {
                            n = -1;                          // reset by the peer
                        }
                        if (n < 0) gone = true;
                        else if (n > 0) w.poisoned = true;
                        else pending.add(w);                 // spurious wake-up: watch again
                    }
                    if (gone) w.gone();
                }
                selector.selectedKeys().clear();
            } catch (IOException | RuntimeException e) {
                LOG.log(Level.WARNING, "heed serve: disconnect watcher", e);
            }
        }
    }

    @Override
    public void close() {
        open = false;
        selector.wakeup();
        try {
            thread.join(2000);
            selector.close();
        } catch (IOException | InterruptedException e) {
            if (e instanceof InterruptedException) Thread.currentThread().interrupt();
        }
    }
}
