package io.zerogate.identity.apikey;

import java.nio.file.Path;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * The key file cannot be read, or holds something other than valid key entries. The message names the file and,
 * where one is to blame, the line; it never quotes a key or a hash.
 */
public final class ApiKeyFileException extends Exception {

    private final Path file;
    private final int line;

    ApiKeyFileException(Path file, int line, String problem) {
        this(file, line, problem, null);
    }

    ApiKeyFileException(Path file, int line, String problem, @Nullable Throwable cause) {
        super(file + (line > 0 ? ":" + line : "") + ": " + problem, cause);
        this.file = Objects.requireNonNull(file, "file");
        this.line = line;
    }

    public Path file() {
        return file;
    }

    /** The 1-based line at fault, or 0 when the problem is with the file as a whole. */
    public int line() {
        return line;
    }
}
