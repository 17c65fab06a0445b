package io.meshspine.sink;

import io.delta.storage.HadoopFileSystemLogStore;
import io.meshspine.sink.internal.PosixLogStore;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;

import java.io.IOException;
import java.util.Iterator;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The lake's put-if-absent log store with a fault: every n-th version write ({@value #EVERY}) fails with an I/O error,
 * either after the version landed ({@value #MODE}{@code =after}: a lost reply) or before ({@code before}). The sink
 * cannot tell the two apart from the error; only the log can.
 */
public final class FailingCommitLogStore extends HadoopFileSystemLogStore {

    static final String EVERY = "meshspine.test.fail-every";
    static final String MODE = "meshspine.test.fail-mode";
    static final AtomicInteger WRITES = new AtomicInteger();
    static final AtomicInteger FAILED = new AtomicInteger();

    private final PosixLogStore store;
    private final int every;
    private final boolean afterLanding;

    public FailingCommitLogStore(Configuration conf) {
        super(conf);
        this.store = new PosixLogStore(conf);
        this.every = conf.getInt(EVERY, 3);
        this.afterLanding = "after".equals(conf.get(MODE, "after"));
    }

    @Override
    public void write(Path path, Iterator<String> actions, Boolean overwrite, Configuration hadoopConf) throws IOException {
        boolean fail = !overwrite && path.getName().endsWith(".json") && WRITES.incrementAndGet() % every == 0;
        if (fail && !afterLanding) {
            FAILED.incrementAndGet();
            throw new IOException("injected: the store timed out before " + path.getName() + " was written");
        }
        store.write(path, actions, overwrite, hadoopConf);
        if (fail) {
            FAILED.incrementAndGet();
            throw new IOException("injected: " + path.getName() + " was written but the reply was lost");
        }
    }

    @Override
    public Boolean isPartialWriteVisible(Path path, Configuration hadoopConf) {
        return store.isPartialWriteVisible(path, hadoopConf);
    }
}
