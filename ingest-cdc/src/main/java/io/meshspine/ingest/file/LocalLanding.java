package io.meshspine.ingest.file;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/** A landing area on a local (or mounted) file system. */
public final class LocalLanding implements Landing {

    private final Path root;

    public LocalLanding(Path root) {
        this.root = root.toAbsolutePath().normalize();
    }

    public Path root() {
        return root;
    }

    /** The landing-relative name of a file under the root. */
    public LandedFile landed(Path file) throws IOException {
        Path absolute = file.toAbsolutePath().normalize();
        if (!absolute.startsWith(root)) {
            throw new IllegalArgumentException(file + " is not under the landing root " + root);
        }
        BasicFileAttributes attributes = Files.readAttributes(absolute, BasicFileAttributes.class);
        return new LandedFile(relative(absolute), attributes.size(), attributes.lastModifiedTime().toMillis());
    }

    @Override
    public List<LandedFile> list() throws IOException {
        List<LandedFile> files = new ArrayList<>();
        if (!Files.isDirectory(root)) {
            return files;
        }
        try (Stream<Path> walk = Files.walk(root)) {
            for (Path p : (Iterable<Path>) walk::iterator) {
                String relative = relative(p);
                if (relative.isEmpty() || relative.equals(ARCHIVE) || relative.startsWith(ARCHIVE + "/")
                        || relative.equals(QUARANTINE) || relative.startsWith(QUARANTINE + "/")
                        || Landing.inFlight(p.getFileName().toString()) || !Files.isRegularFile(p)) {
                    continue;
                }
                BasicFileAttributes attributes = Files.readAttributes(p, BasicFileAttributes.class);
                files.add(new LandedFile(relative, attributes.size(), attributes.lastModifiedTime().toMillis()));
            }
        }
        files.sort(java.util.Comparator.comparingLong(LandedFile::modifiedMillis).thenComparing(LandedFile::path));
        return files;
    }

    @Override
    public InputStream open(LandedFile file) throws IOException {
        return Files.newInputStream(root.resolve(file.path()));
    }

    @Override
    public String archive(LandedFile file) throws IOException {
        return relative(move(file, root.resolve(ARCHIVE)));
    }

    @Override
    public String quarantine(LandedFile file, String reason) throws IOException {
        Path target = move(file, root.resolve(QUARANTINE));
        Files.writeString(target.resolveSibling(target.getFileName() + ".reason.txt"), reason + System.lineSeparator(),
                StandardCharsets.UTF_8);
        return relative(target);
    }

    private Path move(LandedFile file, Path area) throws IOException {
        Path source = root.resolve(file.path());
        Path target = area.resolve(file.path());
        Files.createDirectories(target.getParent());
        // Never overwrite: an earlier file of the same name keeps its place, the later one gets a numbered name.
        for (int n = 1; Files.exists(target); n++) {
            target = area.resolve(file.path() + "." + n);
        }
        try {
            return Files.move(source, target, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
            return Files.move(source, target);
        }
    }

    private String relative(Path p) {
        return root.relativize(p.toAbsolutePath().normalize()).toString().replace('\\', '/');
    }

    @Override
    public String describe() {
        return root.toString();
    }
}
