package io.zerogate.identity.apikey;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.UnaryOperator;
import org.jspecify.annotations.Nullable;

/**
 * Reads and writes the API key file.
 *
 * <p>The file is UTF-8 JSON Lines: one key per line, as an object with exactly these members (blank lines are
 * ignored):
 * <pre>{@code
 * {"id":"k3x7m2p4q5r6","owner":"billing-batch","scopes":["orders:read"],"created":"2025-06-01T10:00:00Z",
 *  "expires":"2025-07-01T10:00:00Z","disabled":false,"hash":"hmac-sha256:<base64url>"}
 * }</pre>
 * ({@code expires} may be {@code null} or absent for a key that does not expire.) Unknown members, duplicate
 * members, duplicate ids and wrong types are errors that name the line. The file never holds a key, only its
 * keyed hash.
 *
 * <p>Writes replace the file atomically (a new file in the same directory, flushed to disk, then renamed over
 * the old one) with permissions {@code 0600} where the file system has POSIX permissions, so a reader sees
 * either the old or the new content. Read-modify-write changes hold an exclusive lock on {@code <file>.lock}
 * so that two commands cannot lose each other's change.
 */
public final class ApiKeyFile {

    /** Bound on the file's size: far above any real key count, far below trouble. */
    static final long MAX_BYTES = 16L << 20;

    private static final ObjectMapper JSON = new ObjectMapper()
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
    private static final Set<String> MEMBERS = Set.of("id", "owner", "scopes", "created", "expires", "disabled", "hash");
    private static final FileAttribute<?> OWNER_ONLY = PosixFilePermissions.asFileAttribute(
            PosixFilePermissions.fromString("rw-------"));

    private static final Object IN_PROCESS = new Object();

    private ApiKeyFile() {}

    /**
     * Reads every entry.
     *
     * @throws ApiKeyFileException when the file cannot be read or any line is not a valid entry
     */
    public static List<ApiKeyEntry> read(Path file) throws ApiKeyFileException {
        return parse(file, readText(file));
    }

    /**
     * Replaces the file's content with these entries, atomically.
     *
     * @throws ApiKeyFileException when the file cannot be written
     */
    public static void write(Path file, List<ApiKeyEntry> entries) throws ApiKeyFileException {
        Path target = file.toAbsolutePath();
        Path directory = target.getParent();
        Path temp = null;
        try {
            temp = posix(directory)
                    ? Files.createTempFile(directory, "." + target.getFileName(), ".tmp", OWNER_ONLY)
                    : Files.createTempFile(directory, "." + target.getFileName(), ".tmp");
            try (FileChannel out = FileChannel.open(temp, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
                ByteBuffer bytes = ByteBuffer.wrap(format(entries).getBytes(StandardCharsets.UTF_8));
                while (bytes.hasRemaining()) {
                    out.write(bytes);
                }
                out.force(true);
            }
            try {
                Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(temp, target, StandardCopyOption.REPLACE_EXISTING);
            }
            temp = null;
        } catch (IOException e) {
            throw new ApiKeyFileException(file, 0, "cannot write the key file (" + describe(e) + ")", e);
        } finally {
            if (temp != null) {
                try {
                    Files.deleteIfExists(temp);
                } catch (IOException ignored) {
                    // the temporary file is hidden and harmless; the write error is what matters
                }
            }
        }
    }

    /**
     * Reads the entries (none when the file does not exist yet), applies a change and writes the result, all under
     * the file's lock.
     *
     * @param change gets the current entries and returns the new ones; may throw {@link IllegalArgumentException}
     *               or {@link IllegalStateException} to abandon the change, which leaves the file untouched
     * @return the entries written
     * @throws ApiKeyFileException when the file cannot be read, parsed or written
     */
    public static List<ApiKeyEntry> update(Path file, UnaryOperator<List<ApiKeyEntry>> change) throws ApiKeyFileException {
        Path lockFile = file.resolveSibling(file.getFileName() + ".lock");
        // A file lock excludes other processes only; threads of this one queue here first.
        synchronized (IN_PROCESS) {
            try (FileChannel lockChannel = openLock(lockFile)) {
                // Closing the channel releases the lock.
                lockChannel.lock();
                List<ApiKeyEntry> current = Files.exists(file) ? read(file) : List.of();
                List<ApiKeyEntry> updated = List.copyOf(change.apply(new ArrayList<>(current)));
                checkUniqueIds(file, updated);
                write(file, updated);
                return updated;
            } catch (IOException e) {
                throw new ApiKeyFileException(file, 0, "cannot lock " + lockFile + " (" + describe(e) + ")", e);
            }
        }
    }

    /** The file content for these entries. */
    static String format(List<ApiKeyEntry> entries) {
        StringBuilder out = new StringBuilder();
        for (ApiKeyEntry e : entries) {
            ObjectNode node = JSON.createObjectNode();
            node.put("id", e.id());
            node.put("owner", e.owner());
            ArrayNode scopes = node.putArray("scopes");
            new TreeSet<>(e.scopes()).forEach(scopes::add);
            node.put("created", e.created().toString());
            if (e.expires() == null) {
                node.putNull("expires");
            } else {
                node.put("expires", e.expires().toString());
            }
            node.put("disabled", e.disabled());
            node.put("hash", e.hash());
            try {
                out.append(JSON.writeValueAsString(node)).append('\n');
            } catch (JsonProcessingException impossible) {
                throw new IllegalStateException("a tree of strings and booleans always serialises", impossible);
            }
        }
        return out.toString();
    }

    /** Parses file content; {@code file} names it in messages. */
    static List<ApiKeyEntry> parse(Path file, String text) throws ApiKeyFileException {
        List<ApiKeyEntry> entries = new ArrayList<>();
        Set<String> ids = new HashSet<>();
        String[] lines = text.split("\n", -1);
        for (int i = 0; i < lines.length; i++) {
            String line = lines[i].endsWith("\r") ? lines[i].substring(0, lines[i].length() - 1) : lines[i];
            if (line.isBlank()) {
                continue;
            }
            ApiKeyEntry entry = parseLine(file, i + 1, line);
            if (!ids.add(entry.id())) {
                throw new ApiKeyFileException(file, i + 1, "key " + entry.id() + " appears more than once");
            }
            entries.add(entry);
        }
        return List.copyOf(entries);
    }

    private static ApiKeyEntry parseLine(Path file, int line, String text) throws ApiKeyFileException {
        JsonNode node;
        try {
            node = JSON.readTree(text);
        } catch (JsonProcessingException e) {
            // Jackson's message quotes the input, which may be anything pasted into the file; only where is kept.
            String original = e.getOriginalMessage();
            throw new ApiKeyFileException(file, line, original != null && original.startsWith("Duplicate field")
                    ? "a member appears more than once"
                    : "not valid JSON (column " + (e.getLocation() == null ? "?" : e.getLocation().getColumnNr()) + ")");
        }
        if (node == null || !node.isObject()) {
            throw new ApiKeyFileException(file, line, "expected a JSON object");
        }
        for (Iterator<String> names = node.fieldNames(); names.hasNext(); ) {
            String name = names.next();
            if (!MEMBERS.contains(name)) {
                throw new ApiKeyFileException(file, line, "unknown member '" + name + "' (expected: " + new TreeSet<>(MEMBERS) + ")");
            }
        }
        JsonNode idNode = node.get("id");
        if (idNode == null || !idNode.isTextual() || !KeyText.isId(idNode.textValue())) {
            throw new ApiKeyFileException(file, line, "id: expected a string of " + KeyText.ID_LENGTH + " characters of a-z 2-7");
        }
        String id = idNode.textValue();
        String where = "key " + id + ": ";
        String owner = text(node, "owner", where, file, line);
        JsonNode scopesNode = node.get("scopes");
        List<String> scopes = new ArrayList<>();
        if (scopesNode == null || !scopesNode.isArray()) {
            throw new ApiKeyFileException(file, line, where + "scopes: expected an array of strings");
        }
        for (JsonNode s : scopesNode) {
            if (!s.isTextual()) {
                throw new ApiKeyFileException(file, line, where + "scopes: expected an array of strings");
            }
            scopes.add(s.textValue());
        }
        Instant created = instant(node.get("created"), "created", where, file, line);
        JsonNode expires = node.get("expires");
        Instant expiry = expires == null || expires.isNull() ? null : instant(expires, "expires", where, file, line);
        JsonNode disabled = node.get("disabled");
        if (disabled == null || !disabled.isBoolean()) {
            throw new ApiKeyFileException(file, line, where + "disabled: expected true or false");
        }
        String hash = text(node, "hash", where, file, line);
        try {
            return new ApiKeyEntry(id, owner, new HashSet<>(scopes), created, expiry, disabled.booleanValue(), hash);
        } catch (IllegalArgumentException e) {
            throw new ApiKeyFileException(file, line, where + e.getMessage());
        }
    }

    private static String text(JsonNode node, String name, String where, Path file, int line) throws ApiKeyFileException {
        JsonNode value = node.get(name);
        if (value == null || !value.isTextual()) {
            throw new ApiKeyFileException(file, line, where + name + ": expected a string");
        }
        return value.textValue();
    }

    private static Instant instant(@Nullable JsonNode value, String name, String where, Path file, int line)
            throws ApiKeyFileException {
        if (value != null && value.isTextual()) {
            try {
                return Instant.parse(value.textValue());
            } catch (DateTimeParseException e) {
                // reported below
            }
        }
        throw new ApiKeyFileException(file, line, where + name + ": expected an instant such as 2025-01-31T12:00:00Z");
    }

    private static void checkUniqueIds(Path file, List<ApiKeyEntry> entries) throws ApiKeyFileException {
        Set<String> ids = new HashSet<>();
        for (ApiKeyEntry e : entries) {
            if (!ids.add(e.id())) {
                throw new ApiKeyFileException(file, 0, "key " + e.id() + " appears more than once");
            }
        }
    }

    private static String readText(Path file) throws ApiKeyFileException {
        byte[] bytes;
        try (FileChannel in = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = in.size();
            if (size > MAX_BYTES) {
                throw new ApiKeyFileException(file, 0, "the key file is larger than " + MAX_BYTES + " bytes");
            }
            ByteBuffer buffer = ByteBuffer.allocate((int) size + 1);
            while (buffer.hasRemaining() && in.read(buffer) >= 0) {
                // read until the end, or until the file turns out to have grown past its size
            }
            if (buffer.position() > size) {
                throw new ApiKeyFileException(file, 0, "the key file changed while it was read");
            }
            bytes = new byte[buffer.position()];
            buffer.flip().get(bytes);
        } catch (NoSuchFileException e) {
            throw new ApiKeyFileException(file, 0, "no such file", e);
        } catch (AccessDeniedException e) {
            throw new ApiKeyFileException(file, 0, "permission denied", e);
        } catch (IOException e) {
            throw new ApiKeyFileException(file, 0, "cannot read the key file (" + describe(e) + ")", e);
        }
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            throw new ApiKeyFileException(file, 0, "the key file is not valid UTF-8 text", e);
        }
    }

    private static FileChannel openLock(Path lockFile) throws IOException {
        Path directory = lockFile.toAbsolutePath().getParent();
        if (posix(directory) && !Files.exists(lockFile)) {
            try {
                return FileChannel.open(lockFile, Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE), OWNER_ONLY);
            } catch (java.nio.file.FileAlreadyExistsException raced) {
                // another command created it first; open theirs
            }
        }
        return FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
    }

    private static boolean posix(Path directory) {
        return directory.getFileSystem().supportedFileAttributeViews().contains("posix");
    }

    private static String describe(IOException e) {
        return e instanceof NoSuchFileException ? "no such file or directory: " + e.getMessage()
                : e instanceof AccessDeniedException ? "permission denied: " + e.getMessage()
                : e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage());
    }
}
