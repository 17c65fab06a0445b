package io.meshspine.core.contract;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Earlier versions of files in a git work tree, read with the {@code git} command. The
 * compatibility check needs nothing else from git, and the command line is the one git interface
 * that CI, a laptop and a shallow clone all have.
 */
public final class GitHistory {

    private static final long TIMEOUT_SECONDS = 60;

    private final Path root;

    private GitHistory(Path root) {
        this.root = root;
    }

    /** git failed, or is missing, or the path is not in a work tree. */
    public static final class GitException extends RuntimeException {
        public GitException(String message) {
            super(message);
        }
    }

    /** The work tree that contains {@code anyPath}. */
    public static GitHistory of(Path anyPath) {
        Path start = Files.isDirectory(anyPath) ? anyPath : anyPath.toAbsolutePath().getParent();
        Result r = run(start, "rev-parse", "--show-toplevel");
        if (r.exit != 0) {
            throw new GitException("not in a git work tree: " + start + " (" + r.stderr.strip() + ")");
        }
        try {
            return new GitHistory(Path.of(r.stdout.strip()).toRealPath());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public Path root() {
        return root;
    }

    /** Commits that changed the file, newest first (renames are not followed: a new path is a new history). */
    public List<String> revisionsOf(Path file) {
        Result r = run(root, "log", "--format=%H", "--", relative(file));
        if (r.exit != 0) {
            throw new GitException("git log failed for " + file + ": " + r.stderr.strip());
        }
        return r.stdout.lines().filter(l -> !l.isBlank()).toList();
    }

    /** The file's content at a revision or ref; empty when the file did not exist there. */
    public Optional<String> fileAt(String rev, Path file) {
        String commit = resolve(rev);
        Result r = run(root, "show", commit + ":" + relative(file));
        if (r.exit != 0) {
            // the ref exists (resolved above), so a failure here means the path did not exist at it
            return Optional.empty();
        }
        return Optional.of(r.stdout);
    }

    /** The commit a ref names; throws if there is none. */
    public String resolve(String ref) {
        Result r = run(root, "rev-parse", "--verify", "--quiet", ref + "^{commit}");
        if (r.exit != 0) {
            throw new GitException("unknown git ref '" + ref + "'");
        }
        return r.stdout.strip();
    }

    /** The path relative to the work tree's root, with forward slashes as git wants it. */
    String relative(Path file) {
        Path real;
        try {
            Path abs = file.toAbsolutePath();
            real = Files.exists(abs) ? abs.toRealPath() : abs.getParent().toRealPath().resolve(abs.getFileName());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        if (!real.startsWith(root)) {
            throw new GitException(file + " is not inside the work tree " + root);
        }
        return root.relativize(real).toString().replace('\\', '/');
    }

    private record Result(int exit, String stdout, String stderr) {
    }

    private static Result run(Path dir, String... args) {
        List<String> command = new ArrayList<>();
        command.add("git");
        command.addAll(Arrays.asList(args));
        try {
            Process p = new ProcessBuilder(command).directory(dir.toFile()).start();
            p.getOutputStream().close();
            // drain both streams concurrently: a large `git show` would otherwise block on a full pipe
            CompletableFuture<String> out = CompletableFuture.supplyAsync(() -> drain(p.getInputStream()));
            CompletableFuture<String> err = CompletableFuture.supplyAsync(() -> drain(p.getErrorStream()));
            if (!p.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new GitException("git " + String.join(" ", args) + " timed out after " + TIMEOUT_SECONDS + " s");
            }
            return new Result(p.exitValue(), out.join(), err.join());
        } catch (IOException e) {
            throw new GitException("cannot run git (is it installed?): " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new GitException("interrupted while running git");
        }
    }

    private static String drain(InputStream in) {
        try (in) {
            ByteArrayOutputStream buffer = new ByteArrayOutputStream();
            in.transferTo(buffer);
            return buffer.toString(StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
