package io.meshspine.core.lineage;

import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/** JSON lines appended to one file; each line flushed, so a reader (or a crash) never sees half an event. */
final class FileTransport implements LineageTransport {

    private final Path file;
    private Writer out;

    FileTransport(Path file) {
        this.file = file;
    }

    @Override
    public synchronized void send(RunEvent event, String json) throws IOException {
        if (out == null) {
            Path dir = file.toAbsolutePath().getParent();
            if (dir != null) {
                Files.createDirectories(dir);
            }
            out = Files.newBufferedWriter(file, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        }
        try {
            out.write(json);
            out.write('\n');
            out.flush();
        } catch (IOException e) {
            closeQuietly();
            throw e;
        }
    }

    private void closeQuietly() {
        try {
            if (out != null) {
                out.close();
            }
        } catch (IOException ignored) {
            // reopened on the next send
        }
        out = null;
    }

    @Override
    public synchronized void close() {
        closeQuietly();
    }
}
