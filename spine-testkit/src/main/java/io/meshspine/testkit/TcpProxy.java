package io.meshspine.testkit;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A loopback TCP forwarder that can be cut and restored, to make a real server (the registry, a broker)
 * unreachable for a while without stopping it: an outage as the client sees one.
 */
public final class TcpProxy implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(TcpProxy.class);

    private final String targetHost;
    private final int targetPort;
    private final int port;
    private final Set<Socket> open = ConcurrentHashMap.newKeySet();
    private volatile ServerSocket server;
    private volatile boolean hanging;

    public TcpProxy(String targetHost, int targetPort) {
        this.targetHost = targetHost;
        this.targetPort = targetPort;
        this.port = FreePorts.next();
        resume();
    }

    public int port() {
        return port;
    }

    /** Accepts connections again, on the same port. */
    public synchronized void resume() {
        if (hanging) {
            hanging = false;
            open.forEach(TcpProxy::closeQuietly);
            open.clear();
        }
        if (server != null) {
            return;
        }
        try {
            ServerSocket s = new ServerSocket();
            s.setReuseAddress(true);
            s.bind(new InetSocketAddress(InetAddress.getByName(FreePorts.LOOPBACK), port));
            server = s;
            Thread acceptor = new Thread(() -> accept(s), "tcp-proxy-" + port);
            acceptor.setDaemon(true);
            acceptor.start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot listen on 127.0.0.1:" + port, e);
        }
    }

    /**
     * Keeps accepting connections but forwards nothing either way: the target hangs (a request is sent and never
     * answered) until {@link #resume()} or {@link #cut()}. Open connections are cut first, so every later request hangs.
     */
    public synchronized void hang() {
        open.forEach(TcpProxy::closeQuietly);
        open.clear();
        hanging = true;
        log.info("proxy 127.0.0.1:{} -> {}:{} hanging", port, targetHost, targetPort);
    }

    /** Refuses new connections and cuts every open one: the target is unreachable until {@link #resume()}. */
    public synchronized void cut() {
        ServerSocket s = server;
        server = null;
        closeQuietly(s);
        open.forEach(TcpProxy::closeQuietly);
        open.clear();
        log.info("proxy 127.0.0.1:{} -> {}:{} cut", port, targetHost, targetPort);
    }

    private void accept(ServerSocket s) {
        while (!s.isClosed()) {
            try {
                Socket client = s.accept();
                if (hanging) {
                    open.add(client); // held open, never answered
                    continue;
                }
                Socket upstream = new Socket(targetHost, targetPort);
                open.add(client);
                open.add(upstream);
                pump(client, upstream);
                pump(upstream, client);
            } catch (IOException e) {
                if (!s.isClosed()) {
                    log.warn("proxy accept failed: {}", e.toString());
                }
            }
        }
    }

    private void pump(Socket from, Socket to) {
        Thread t = new Thread(() -> {
            byte[] buffer = new byte[16 * 1024];
            try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
                for (int n; (n = in.read(buffer)) != -1; ) {
                    out.write(buffer, 0, n);
                    out.flush();
                }
            } catch (IOException ignored) {
                // One side closed or the proxy was cut: close both.
            } finally {
                closeQuietly(from);
                closeQuietly(to);
                open.remove(from);
                open.remove(to);
            }
        }, "tcp-proxy-pump");
        t.setDaemon(true);
        t.start();
    }

    private static void closeQuietly(java.io.Closeable c) {
        if (c == null) {
            return;
        }
        try {
            c.close();
        } catch (IOException ignored) {
            // Closing is all we wanted.
        }
    }

    @Override
    public void close() {
        cut();
    }
}
