package io.meshspine.sink.internal;

import io.delta.standalone.CommitResult;
import io.delta.standalone.VersionLog;
import io.delta.standalone.actions.Action;
import io.delta.standalone.actions.AddFile;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Set;

/**
 * What a commit that failed without saying whether it landed (an I/O error or a timeout from the store, perhaps after
 * the version file was written) actually did: only the log can tell, so it is read again before any of the batch's
 * files may be deleted.
 */
final class UnknownCommitOutcome {

    private static final Logger log = LoggerFactory.getLogger(UnknownCommitOutcome.class);

    private UnknownCommitOutcome() {
    }

    /**
     * After a commit that failed without saying whether it landed: re-reads the log after the version the commit was
     * based on and looks for the batch's own files (their names are unique to this attempt). Found: the commit landed,
     * at that version. Not found in a log read to its end: it did not land, and the caller may delete the files.
     *
     * @throws TransientSinkException the commit did not land (files deletable)
     * @throws StillUnknownException the log could not be read either (files kept)
     */
    static CommitResult resolve(DeltaTable table, String name, SinkMetrics.PerTable meters, long readVersion, List<ParquetFiles.WrittenFile> adds,
                                Exception failure) {
        log.warn("commit outcome unknown, re-reading the log table={} readVersion={} error={}", name, readVersion, failure.toString());
        Set<String> ours = new HashSet<>();
        adds.forEach(f -> ours.add(f.path()));
        if (ours.isEmpty()) {
            // Nothing of ours to delete or keep: the caller re-reads the partitions from the log either way.
            meters.failed("outcome-unknown");
            throw new TransientSinkException("commit of " + name + " failed with an unknown outcome: " + failure, failure);
        }
        try {
            table.deltaLog().update();
            Iterator<VersionLog> changes = table.deltaLog().getChanges(readVersion + 1, true);
            while (changes.hasNext()) {
                VersionLog v = changes.next();
                for (Action a : v.getActions()) {
                    if (a instanceof AddFile add && ours.contains(add.getPath())) {
                        log.info("commit landed despite the error table={} version={}", name, v.getVersion());
                        meters.failed("landed-despite-error");
                        return new CommitResult(v.getVersion());
                    }
                }
            }
        } catch (RuntimeException e) {
            throw new StillUnknownException("commit of " + name + " failed (" + failure + ") and the log could not be"
                    + " re-read (" + e + "): its files are kept for vacuum", e);
        }
        log.info("commit did not land, its files go table={} files={}", name, ours.size());
        if (failure instanceof RuntimeException r && !ioFailure(r)) {
            throw r; // not a passing fault (a bug or a refused commit): fail loudly, now that the files may go
        }
        meters.failed("outcome-unknown");
        throw new TransientSinkException("commit of " + name + " did not land: " + failure, failure);
    }

    private static boolean ioFailure(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof IOException || t instanceof UncheckedIOException) {
                return true;
            }
        }
        return false;
    }

    /** A commit failed and the log could not tell whether it landed: its files must stay. */
    static final class StillUnknownException extends RuntimeException {
        StillUnknownException(String message, Throwable cause) {
            super(message, cause);
        }
    }
}
