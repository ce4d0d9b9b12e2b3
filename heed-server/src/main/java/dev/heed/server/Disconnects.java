package dev.heed.server;

import io.javalin.http.Context;
import java.util.concurrent.atomic.AtomicBoolean;
import org.eclipse.jetty.ee10.servlet.ServletContextRequest;
import org.eclipse.jetty.io.Connection;
import org.eclipse.jetty.server.Request;

/**
 * Notices a client that goes away while its request waits (queued for a batch, or computing): Jetty reports the
 * request's failure (the connection closed or timed out) and the connection's close; either runs the callback once,
 * and nothing is kept on the connection after the response completes (connections outlive requests).
 */
final class Disconnects {
    private Disconnects() {}

    /** Runs {@code onGone} (once) if the client of {@code ctx} goes away before its response is complete. */
    static void watch(Context ctx, Runnable onGone) {
        Request request;
        try {
            request = ServletContextRequest.getServletContextRequest(ctx.req());
        } catch (RuntimeException e) {
            return;                                          // not a Jetty request (cannot happen under Javalin)
        }
        if (request == null) return;
        AtomicBoolean fired = new AtomicBoolean();
        Runnable once = () -> {
            if (fired.compareAndSet(false, true)) onGone.run();
        };
        request.addFailureListener(failure -> once.run());
        Connection connection = request.getConnectionMetaData().getConnection();
        if (connection == null) return;
        Connection.Listener closed = new Connection.Listener() {
            @Override
            public void onClosed(Connection c) {
                once.run();
            }
        };
        connection.addEventListener(closed);
        Request.addCompletionListener(request, failure -> {
            fired.set(true);                                 // answered: a later close of the keep-alive connection is normal
            connection.removeEventListener(closed);
        });
    }
}
