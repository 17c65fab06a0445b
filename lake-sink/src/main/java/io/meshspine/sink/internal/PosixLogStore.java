package io.meshspine.sink.internal;

import io.delta.storage.HadoopFileSystemLogStore;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;

import java.io.IOException;
import java.io.OutputStream;
import java.net.URI;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Iterator;
import java.util.UUID;

/**
 * A Delta log store for local and mounted POSIX file systems whose put-if-absent holds across processes. Delta's own
 * store for {@code file:} (HDFSLogStore) checks that {@code _delta_log/<version>.json} is absent, then renames its temp
 * file over it: two processes can both pass the check and the second rename silently replaces the first commit. Here
 * the temp file is written and synced, then hard-linked to the version's name: {@code link(2)} fails with EEXIST when
 * the name exists, atomically, in the kernel, whoever else is writing. The loser gets the
 * {@link FileAlreadyExistsException} Delta turns into a conflict check and a retry at the next version.
 *
 * <p>Wired with the Hadoop setting {@code delta.logStore.file.impl} (see {@link LogStores}).
 */
public final class PosixLogStore extends HadoopFileSystemLogStore {

    public PosixLogStore(Configuration initHadoopConf) {
        super(initHadoopConf);
    }

    @Override
    public void write(Path path, Iterator<String> actions, Boolean overwrite, Configuration hadoopConf) throws IOException {
        java.nio.file.Path target = local(path, hadoopConf);
        java.nio.file.Path dir = target.getParent();
        if (!Files.isDirectory(dir)) {
            throw new java.io.FileNotFoundException("No such file or directory: " + dir);
        }
        java.nio.file.Path temp = dir.resolve("." + target.getFileName() + "." + UUID.randomUUID() + ".tmp");
        try {
            try (FileChannel channel = FileChannel.open(temp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
                 OutputStream out = java.nio.channels.Channels.newOutputStream(channel)) {
                while (actions.hasNext()) {
                    out.write((actions.next() + "\n").getBytes(StandardCharsets.UTF_8));
                }
                out.flush();
                channel.force(true);
            }
            if (overwrite) {
                // _last_checkpoint and the like: last writer wins, but a reader never sees half a file.
                Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } else {
                try {
                    Files.createLink(target, temp);
                } catch (FileAlreadyExistsException e) {
                    throw new FileAlreadyExistsException(path.toString());
                } catch (UnsupportedOperationException e) {
                    throw new IOException("the file system under " + dir + " has no hard links, so Delta versions cannot be created"
                            + " put-if-absent there; use a POSIX file system for the lake", e);
                }
            }
            syncDirectory(dir);
        } finally {
            Files.deleteIfExists(temp);
        }
    }

    /**
     * Delta asks this only of checkpoints: "false" makes it write the checkpoint Parquet straight to its final name, and
     * two processes checkpointing the same version would then interleave their bytes in one file. "true" makes each
     * write a temp file and rename it into place; both checkpoints of a version hold the same state, so either may win.
     * Our own version files are never partially visible (a link of a complete, synced file).
     */
    @Override
    public Boolean isPartialWriteVisible(Path path, Configuration hadoopConf) {
        return true;
    }

    private static java.nio.file.Path local(Path path, Configuration conf) throws IOException {
        URI uri = path.getFileSystem(conf).makeQualified(path).toUri();
        if (!"file".equals(uri.getScheme())) {
            throw new IOException(PosixLogStore.class.getSimpleName() + " serves file: paths only, not " + uri);
        }
        return java.nio.file.Path.of(uri);
    }

    /** The new name survives a power cut only once its directory is synced. */
    private static void syncDirectory(java.nio.file.Path dir) {
        try (FileChannel channel = FileChannel.open(dir, StandardOpenOption.READ)) {
            channel.force(true);
        } catch (IOException e) {
            // Some file systems refuse to open a directory for sync; the link itself is already atomic.
        }
    }
}
