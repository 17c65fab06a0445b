package io.meshspine.cli;

import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;

/** A JVM that starts both bundled servers under the given directory, says where they listen, and waits to be killed. */
final class BundledServersMain {

    private BundledServersMain() {
    }

    public static void main(String[] args) throws Exception {
        Path base = Path.of(args[0]);
        BundledPostgres postgres = BundledPostgres.start(base);
        BundledMariaDb mariadb = BundledMariaDb.start(base);
        System.out.println("ready " + postgres.connection().port() + " " + mariadb.connection().port());
        System.out.flush();
        new CountDownLatch(1).await();
    }
}
