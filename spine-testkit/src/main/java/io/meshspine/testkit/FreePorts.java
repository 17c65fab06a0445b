package io.meshspine.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;

/** Free TCP ports on the loopback interface. Servers are only ever bound to 127.0.0.1. */
public final class FreePorts {

    public static final String LOOPBACK = "127.0.0.1";

    private FreePorts() {
    }

    /** {@code preferred} when it is free now, else any free port; 0 means any free port. */
    public static int preferredOrNext(int preferred) {
        if (preferred > 0) {
            try (ServerSocket socket = new ServerSocket()) {
                socket.bind(new InetSocketAddress(InetAddress.getByName(LOOPBACK), preferred));
                return preferred;
            } catch (IOException taken) {
                // Someone else has it (another demo, a local Kafka): any free port will do.
            }
        }
        return next();
    }

    /**
     * A port that was free a moment ago. Another process can still take it before we bind, so callers retry
     * start-up with a fresh port when binding fails.
     */
    public static int next() {
        try (ServerSocket socket = new ServerSocket()) {
            socket.setReuseAddress(false);
            socket.bind(new InetSocketAddress(InetAddress.getByName(LOOPBACK), 0));
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot find a free port on " + LOOPBACK, e);
        }
    }
}
