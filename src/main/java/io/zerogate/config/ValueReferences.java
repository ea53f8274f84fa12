package io.zerogate.config;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.InvalidPathException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.function.Function;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * Resolves {@code ${env:NAME}} and {@code ${file:PATH}} references inside string values, so secrets live in
 * the environment or in mounted files rather than in the configuration document. {@code $${} stands for a
 * literal {@code ${}. Resolved text is never scanned again, and problems name the reference, never its value.
 */
final class ValueReferences {

    /** The resolved text, and whether any part of it came from a reference (and so must not be shown). */
    record Resolved(String text, boolean referenced) {}

    private static final Pattern ENV_NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");
    private static final String EXPECTED = "expected ${env:NAME} or ${file:PATH}; write $${ for a literal ${";

    private final Function<String, @Nullable String> env;
    private final Path baseDirectory;

    /**
     * @param env           looks up an environment variable; returns null when it is not set
     * @param baseDirectory what relative {@code ${file:}} paths are resolved against
     */
    /** The directory relative paths in the document are resolved against. */
    Path baseDirectory() {
        return baseDirectory;
    }

    ValueReferences(Function<String, @Nullable String> env, Path baseDirectory) {
        this.env = env;
        this.baseDirectory = baseDirectory;
    }

    Resolved resolve(String written, String source, int line, String path) throws ConfigException {
        if (written.indexOf('$') < 0) {
            return new Resolved(written, false);
        }
        StringBuilder out = new StringBuilder(written.length());
        boolean referenced = false;
        int i = 0;
        while (i < written.length()) {
            if (written.startsWith("$${", i)) {
                out.append("${");
                i += 3;
            } else if (written.startsWith("${", i)) {
                int close = written.indexOf('}', i + 2);
                if (close < 0) {
                    throw new ConfigException(source, line, path, "unterminated reference (" + EXPECTED + ")");
                }
                String reference = written.substring(i, close + 1);
                out.append(lookUp(reference, written.substring(i + 2, close), source, line, path));
                referenced = true;
                i = close + 1;
            } else {
                out.append(written.charAt(i));
                i++;
            }
        }
        return new Resolved(out.toString(), referenced);
    }

    private String lookUp(String reference, String body, String source, int line, String path) throws ConfigException {
        if (body.startsWith("env:")) {
            String name = body.substring(4);
            if (!ENV_NAME.matcher(name).matches()) {
                throw new ConfigException(source, line, path,
                        YamlNode.Scalar.quote(reference) + " is not a valid reference (expected ${env:NAME}, NAME made of letters, digits and _)");
            }
            String value = env.apply(name);
            if (value == null) {
                throw new ConfigException(source, line, path, reference + " is not set");
            }
            return value;
        }
        if (body.startsWith("file:")) {
            String name = body.substring(5);
            if (name.isEmpty()) {
                throw new ConfigException(source, line, path, "${file:} needs a path (expected ${file:PATH})");
            }
            return readFile(reference, name, source, line, path);
        }
        throw new ConfigException(source, line, path, "unknown reference " + YamlNode.Scalar.quote(reference) + " (" + EXPECTED + ")");
    }

    private String readFile(String reference, String name, String source, int line, String path) throws ConfigException {
        byte[] bytes;
        try {
            bytes = ConfigText.readBounded(baseDirectory.resolve(name));
        } catch (NoSuchFileException e) {
            throw new ConfigException(source, line, path, "cannot read " + reference + ": no such file");
        } catch (AccessDeniedException e) {
            throw new ConfigException(source, line, path, "cannot read " + reference + ": permission denied");
        } catch (IOException | InvalidPathException e) {
            throw new ConfigException(source, line, path, "cannot read " + reference + " (" + e.getClass().getSimpleName() + ")");
        }
        if (bytes.length > ConfigText.MAX_BYTES) {
            throw new ConfigException(source, line, path, reference + " is larger than 1 MiB");
        }
        String text = ConfigText.decode(bytes);
        if (text == null) {
            throw new ConfigException(source, line, path, reference + " is not valid UTF-8 text");
        }
        // Files written by editors and `echo` end in a newline that is not part of the secret.
        if (text.endsWith("\r\n")) {
            return text.substring(0, text.length() - 2);
        }
        return text.endsWith("\n") ? text.substring(0, text.length() - 1) : text;
    }
}
