package io.zerogate.config;

import org.jspecify.annotations.Nullable;

/**
 * A configuration document that cannot be used, with where and why: {@code file:line: key.path: what was expected}.
 * Messages never contain the value of a secret reference.
 */
public final class ConfigException extends Exception {

    private static final long serialVersionUID = 1L;

    private final String source;
    private final int line;
    private final String keyPath;
    private final String problem;

    /**
     * @param source  file path or document name
     * @param line    1-based line, or 0 when the problem concerns the whole document
     * @param keyPath dotted key path such as {@code routes[2].match.path}, or "" for the document
     * @param problem what is wrong and what was expected
     */
    public ConfigException(String source, int line, String keyPath, String problem) {
        this(source, line, keyPath, problem, null);
    }

    public ConfigException(String source, int line, String keyPath, String problem, @Nullable Throwable cause) {
        super(format(source, line, keyPath, problem), cause);
        this.source = source;
        this.line = line;
        this.keyPath = keyPath;
        this.problem = problem;
    }

    public String source() {
        return source;
    }

    public int line() {
        return line;
    }

    public String keyPath() {
        return keyPath;
    }

    public String problem() {
        return problem;
    }

    private static String format(String source, int line, String keyPath, String problem) {
        StringBuilder sb = new StringBuilder(source);
        if (line > 0) {
            sb.append(':').append(line);
        }
        sb.append(": ");
        if (!keyPath.isEmpty()) {
            sb.append(keyPath).append(": ");
        }
        return sb.append(problem).toString();
    }
}
