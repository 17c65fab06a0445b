package io.meshspine.ingest.file;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.LocatedFileStatus;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RemoteIterator;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

/**
 * A landing area behind a Hadoop {@link FileSystem} URI: {@code s3a://bucket/landing}, {@code abfss://container@account
 * .dfs.core.windows.net/landing}, {@code hdfs://...}, or {@code file:///...}. Same layout and rules as a local
 * directory. On object stores a rename is a copy and a delete: archiving is not atomic there, so a crash between the
 * two leaves the file in both places; the ledger (the file's hash) keeps it from being ingested twice.
 */
public final class HadoopLanding implements Landing {

    private final FileSystem fs;
    private final Path root;

    /** {@code settings}: extra Hadoop settings (credentials providers, endpoints); never logged. */
    public HadoopLanding(String uri, Map<String, String> settings) {
        Configuration conf = new Configuration();
        settings.forEach(conf::set);
        try {
            this.fs = FileSystem.newInstance(URI.create(uri), conf);
        } catch (IOException e) {
            throw new IllegalArgumentException("landing area " + uri + " cannot be opened: " + e.getMessage(), e);
        }
        this.root = fs.makeQualified(new Path(uri));
    }

    /** Whether {@code root} names a Hadoop file system ({@code scheme://...}) rather than a local path. */
    public static boolean isUri(String root) {
        return root.matches("[a-zA-Z][a-zA-Z0-9+.-]*:/.*");
    }

    @Override
    public List<LandedFile> list() throws IOException {
        List<LandedFile> files = new ArrayList<>();
        if (!fs.exists(root)) {
            return files;
        }
        RemoteIterator<LocatedFileStatus> all = fs.listFiles(root, true);
        while (all.hasNext()) {
            LocatedFileStatus status = all.next();
            String relative = relative(status.getPath());
            if (relative.isEmpty() || relative.equals(ARCHIVE) || relative.startsWith(ARCHIVE + "/")
                    || relative.equals(QUARANTINE) || relative.startsWith(QUARANTINE + "/")
                    || Landing.inFlight(status.getPath().getName()) || !status.isFile()) {
                continue;
            }
            files.add(new LandedFile(relative, status.getLen(), status.getModificationTime()));
        }
        files.sort(Comparator.comparingLong(LandedFile::modifiedMillis).thenComparing(LandedFile::path));
        return files;
    }

    @Override
    public InputStream open(LandedFile file) throws IOException {
        return fs.open(new Path(root, file.path()));
    }

    @Override
    public String archive(LandedFile file) throws IOException {
        return relative(move(file, ARCHIVE));
    }

    @Override
    public String quarantine(LandedFile file, String reason) throws IOException {
        Path target = move(file, QUARANTINE);
        try (FSDataOutputStream out = fs.create(new Path(target.getParent(), target.getName() + ".reason.txt"), true)) {
            out.write((reason + System.lineSeparator()).getBytes(StandardCharsets.UTF_8));
        }
        return relative(target);
    }

    private Path move(LandedFile file, String area) throws IOException {
        Path source = new Path(root, file.path());
        Path target = new Path(new Path(root, area), file.path());
        fs.mkdirs(target.getParent());
        // Never overwrite: an earlier file of the same name keeps its place, the later one gets a numbered name.
        for (int n = 1; fs.exists(target); n++) {
            target = new Path(new Path(root, area), file.path() + "." + n);
        }
        if (!fs.rename(source, target)) {
            throw new IOException("cannot move " + source + " to " + target);
        }
        return target;
    }

    private String relative(Path p) {
        String base = root.toUri().getPath();
        String path = fs.makeQualified(p).toUri().getPath();
        String relative = path.startsWith(base) ? path.substring(base.length()) : path;
        return relative.startsWith("/") ? relative.substring(1) : relative;
    }

    @Override
    public String describe() {
        return root.toString();
    }
}
