package io.meshspine.sink.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.LocatedFileStatus;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RemoteIterator;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * What a backfill has done so far, kept beside its output in {@code <target>/_backfill/}: the run (its id, contract and
 * the Bronze version it reads) and one entry per committed chunk (consecutive Bronze files: its counts, the Silver files it
 * wrote and the identities it passed). A chunk's entry is written last, by rename, so it exists only when everything
 * it names does; a rerun after a crash skips the committed chunks and deletes the files of the one that was cut off.
 * Nothing here is visible to readers of the table: Delta sees only what the final commit adds.
 */
final class BackfillManifest {

    static final String DIR = "_backfill";
    private static final ObjectMapper JSON = new ObjectMapper();

    /** The run a manifest belongs to: a rerun must read the same Bronze version of the same contract to resume. */
    record Run(String runId, String contract, String bronzePath, long bronzeVersion, String fromBound, String mode) {
    }

    /** One committed chunk; {@code bronzeFile}: the paths of its Bronze files, one per line. */
    record Chunk(int index, String bronzeFile, Counts counts, List<ParquetFiles.WrittenFile> files, List<String> nowPassing,
                 Map<Integer, Long> lastOffsets) {
    }

    /** Counts by outcome. */
    record Counts(long read, long passed, long deadLettered, long duplicates, long refused) {
        static final Counts ZERO = new Counts(0, 0, 0, 0, 0);

        Counts plus(Counts o) {
            return new Counts(read + o.read, passed + o.passed, deadLettered + o.deadLettered, duplicates + o.duplicates, refused + o.refused);
        }
    }

    private final String targetPath;
    private final FileSystem fs;
    private final Path dir;

    BackfillManifest(String targetPath, Configuration conf) {
        this.targetPath = targetPath;
        this.dir = new Path(targetPath + "/" + DIR);
        try {
            this.fs = dir.getFileSystem(conf);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot reach " + targetPath, e);
        }
    }

    Optional<Run> run() {
        Path p = new Path(dir, "run.json");
        try {
            if (!fs.exists(p)) {
                return Optional.empty();
            }
            JsonNode n = JSON.readTree(fs.open(p));
            return Optional.of(new Run(n.path("runId").asText(), n.path("contract").asText(), n.path("bronzePath").asText(),
                    n.path("bronzeVersion").asLong(), n.path("from").asText(null), n.path("mode").asText()));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the backfill manifest " + p, e);
        }
    }

    void start(Run run) {
        ObjectNode n = JSON.createObjectNode();
        n.put("runId", run.runId()).put("contract", run.contract()).put("bronzePath", run.bronzePath())
                .put("bronzeVersion", run.bronzeVersion()).put("from", run.fromBound()).put("mode", run.mode());
        writeAtomically("run.json", n.toString().getBytes(StandardCharsets.UTF_8));
    }

    /** Saves a chunk: its identities first, then its entry (the commit point of the chunk). */
    void commit(Chunk chunk, BackfillIdentities.Chunk identities) {
        try (DataOutputStream out = new DataOutputStream(fs.create(new Path(dir, "chunk-" + chunk.index() + ".ids"), true))) {
            identities.write(out);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the backfill manifest under " + dir, e);
        }
        ObjectNode n = JSON.createObjectNode();
        n.put("index", chunk.index()).put("bronzeFile", chunk.bronzeFile());
        Counts c = chunk.counts();
        n.put("read", c.read()).put("passed", c.passed()).put("deadLettered", c.deadLettered()).put("duplicates", c.duplicates())
                .put("refused", c.refused());
        ArrayNode files = n.putArray("files");
        for (ParquetFiles.WrittenFile f : chunk.files()) {
            ObjectNode fn = files.addObject();
            fn.put("path", f.path()).put("size", f.size()).put("rows", f.rows()).put("stats", f.stats());
            ObjectNode pv = fn.putObject("partitionValues");
            f.partitionValues().forEach(pv::put);
        }
        ObjectNode last = n.putObject("lastOffsets");
        chunk.lastOffsets().forEach((p, o) -> last.put(Integer.toString(p), o));
        ArrayNode passing = n.putArray("nowPassing");
        chunk.nowPassing().forEach(passing::add);
        writeAtomically("chunk-" + chunk.index() + ".json", n.toString().getBytes(StandardCharsets.UTF_8));
    }

    /** The committed chunks, by index; their identities are added to {@code identities}. */
    Map<Integer, Chunk> committed(BackfillIdentities identities) {
        Map<Integer, Chunk> chunks = new LinkedHashMap<>();
        try {
            if (!fs.exists(dir)) {
                return chunks;
            }
            for (FileStatus s : fs.listStatus(dir)) {
                String name = s.getPath().getName();
                if (!name.startsWith("chunk-") || !name.endsWith(".json")) {
                    continue;
                }
                JsonNode n = JSON.readTree(fs.open(s.getPath()));
                List<ParquetFiles.WrittenFile> files = new ArrayList<>();
                for (JsonNode f : n.path("files")) {
                    Map<String, String> pv = new LinkedHashMap<>();
                    f.path("partitionValues").fields().forEachRemaining(e -> pv.put(e.getKey(), e.getValue().isNull() ? null : e.getValue().asText()));
                    files.add(new ParquetFiles.WrittenFile(f.path("path").asText(), pv, f.path("size").asLong(), f.path("rows").asLong(),
                            f.path("stats").asText()));
                }
                List<String> passing = new ArrayList<>();
                n.path("nowPassing").forEach(p -> passing.add(p.asText()));
                int index = n.path("index").asInt();
                Map<Integer, Long> last = new LinkedHashMap<>();
                n.path("lastOffsets").fields().forEachRemaining(e -> last.put(Integer.parseInt(e.getKey()), e.getValue().asLong()));
                chunks.put(index, new Chunk(index, n.path("bronzeFile").asText(), new Counts(n.path("read").asLong(), n.path("passed").asLong(),
                        n.path("deadLettered").asLong(), n.path("duplicates").asLong(), n.path("refused").asLong()), files, passing, last));
                try (DataInputStream in = new DataInputStream(fs.open(new Path(dir, "chunk-" + index + ".ids")))) {
                    identities.readInto(in);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the backfill manifest under " + dir, e);
        }
        return chunks;
    }

    /**
     * Deletes the run's data files under the target that no committed chunk names: what a killed chunk had written.
     * Only the run's own files (their names start with its id): with {@code --replace} the target is the live table.
     */
    int deleteUnclaimed(Set<String> claimed, String runFilePrefix) {
        int deleted = 0;
        try {
            Path root = new Path(targetPath);
            if (!fs.exists(root)) {
                return 0;
            }
            Set<String> keep = new HashSet<>();
            claimed.forEach(c -> keep.add(c.replace("%25", "%")));
            String prefix = fs.makeQualified(root).toUri().getPath() + "/";
            RemoteIterator<LocatedFileStatus> it = fs.listFiles(root, true);
            List<Path> doomed = new ArrayList<>();
            while (it.hasNext()) {
                Path p = it.next().getPath();
                String relative = p.toUri().getPath().substring(prefix.length());
                if (relative.startsWith(DIR + "/") || relative.startsWith("_delta_log/") || !relative.endsWith(".parquet")) {
                    continue;
                }
                if (p.getName().startsWith(runFilePrefix) && !keep.contains(relative)) {
                    doomed.add(p);
                }
            }
            for (Path p : doomed) {
                fs.delete(p, false);
                deleted++;
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot clean " + targetPath, e);
        }
        return deleted;
    }

    /** After the final commit: the manifest has served (the table's log now says what it holds). */
    void remove() {
        try {
            fs.delete(dir, true);
        } catch (IOException e) {
            // harmless: a leftover manifest of a finished run is never resumed (the table exists)
        }
    }

    private void writeAtomically(String name, byte[] content) {
        Path tmp = new Path(dir, "." + name + ".tmp");
        Path to = new Path(dir, name);
        try {
            fs.mkdirs(dir);
            try (FSDataOutputStream out = fs.create(tmp, true)) {
                out.write(content);
                out.hsync();
            }
            fs.delete(to, false);
            if (!fs.rename(tmp, to)) {
                throw new IOException("rename of " + tmp + " to " + to + " refused");
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the backfill manifest " + to, e);
        }
    }
}
