package io.zerogate.audit;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.KeyPair;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * Writes audit trails as the gateway does, by the format of {@link AuditChain} and {@link CheckpointSignature}:
 * rotated files named by their first sequence number, checkpoints signed with an Ed25519 key, crashes that leave a
 * torn line, and restarts that begin a new file with a resume line sealed at once. Remembers where each sequence
 * number was written so that tests can say exactly where a break must be reported.
 */
public final class TrailFixture {

    /** Where a line was written. */
    public record Place(Path file, long line) {}

    private static final DateTimeFormatter FILE_TIME =
            DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'").withZone(ZoneOffset.UTC);

    private final Path dir;
    private final KeyPair key;
    private final AuditChain chain = new AuditChain(0, AuditChain.GENESIS);
    private final List<Path> files = new ArrayList<>();
    private final Map<Long, Place> places = new HashMap<>();
    private final Map<Long, byte[]> written = new HashMap<>();
    private Instant now;
    private @Nullable ByteArrayOutputStream current;
    private @Nullable Path currentFile;
    private long lineNumber;
    /** The torn bytes the last closed file ends with. */
    private long torn;

    public TrailFixture(Path dir, KeyPair key, Instant start) {
        this.dir = dir;
        this.key = key;
        this.now = start;
    }

    /** A starting gateway: a new file beginning with a resume line and the checkpoint that seals it. */
    public TrailFixture start() {
        return startWith(true);
    }

    /** A start whose resume line is not sealed by a checkpoint, which no correct gateway writes. */
    public TrailFixture startUnsealed() {
        return startWith(false);
    }

    private TrailFixture startWith(boolean seal) {
        String previous = files.isEmpty() ? "null" : "\"" + files.get(files.size() - 1).getFileName() + "\"";
        newFile();
        write("resume", ("\"time\":\"" + tick() + "\",\"previous_file\":" + previous + ",\"discarded_bytes\":" + torn)
                .getBytes(StandardCharsets.UTF_8));
        if (seal) {
            checkpoint();
        }
        return this;
    }

    public TrailFixture records(int n) {
        for (int i = 0; i < n; i++) {
            tick();
            write("record", recordMembers(chain.seq() + 1, ""));
        }
        return this;
    }

    /** One record whose line is exactly {@code length} bytes long. */
    public TrailFixture recordOfLength(int length) {
        tick();
        long seq = chain.seq() + 1;
        int bare = new AuditChain(chain.seq(), chain.head()).link("record", recordMembers(seq, "")).length;
        write("record", recordMembers(seq, "x".repeat(length - bare - ",\"detail\":\"\"".length())));
        return this;
    }

    public TrailFixture checkpoint() {
        write("checkpoint", checkpointMembers(chain.seq() + 1, chain.head(), key, tick()));
        return this;
    }

    /** A rotation: the file is sealed and closed, and the next line goes to a new file. */
    public TrailFixture rotate() {
        checkpoint();
        close(0);
        newFile();
        return this;
    }

    /** A rotation without a checkpoint before it: the file ends unsealed and the next one continues it. */
    public TrailFixture rotateUnsealed() {
        close(0);
        newFile();
        return this;
    }

    /** A clean stop: a last checkpoint, and the file is closed. */
    public TrailFixture stop() {
        checkpoint();
        close(0);
        return this;
    }

    /** A crash while writing the next record: only its first {@code tornBytes} bytes reach the file. */
    public TrailFixture crash(int tornBytes) {
        byte[] next = new AuditChain(chain.seq(), chain.head()).link("record", recordMembers(chain.seq() + 1, ""));
        close(tornBytes);
        try {
            Files.write(files.get(files.size() - 1), Arrays.copyOf(next, tornBytes), StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return this;
    }

    public List<Path> files() {
        return List.copyOf(files);
    }

    public Place at(long seq) {
        Place p = places.get(seq);
        if (p == null) {
            throw new IllegalArgumentException("no line with seq " + seq);
        }
        return p;
    }

    /** The exact bytes of the line with this sequence number, as written. */
    public byte[] line(long seq) {
        return written.get(seq).clone();
    }

    public long lastSeq() {
        return chain.seq();
    }

    public Instant now() {
        return now;
    }

    /** A PEM block, as {@code openssl pkey -pubout} writes a public key. */
    public static String pem(String label, byte[] der) {
        return "-----BEGIN " + label + "-----\n" + Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(der)
                + "\n-----END " + label + "-----\n";
    }

    /** The public JWK of an Ed25519 key. */
    public static String jwk(KeyPair key) {
        byte[] spki = key.getPublic().getEncoded();
        return "{\"kty\":\"OKP\",\"crv\":\"Ed25519\",\"x\":\""
                + Base64.getUrlEncoder().withoutPadding().encodeToString(Arrays.copyOfRange(spki, 12, 44)) + "\"}";
    }

    /** The members of a checkpoint with sequence number {@code seq} after a line hashing to {@code prev}. */
    static byte[] checkpointMembers(long seq, String prev, KeyPair key, Instant time) {
        return ("\"time\":\"" + time + "\",\"key\":\"" + CheckpointSignature.keyId(key.getPublic()) + "\",\"sig\":\""
                + CheckpointSignature.sign(key.getPrivate(), seq, prev) + "\"").getBytes(StandardCharsets.US_ASCII);
    }

    /** The members of a record, as the writer encodes an {@link AuditRecord}: snake_case, nulls left out. */
    byte[] recordMembers(long seq, String detail) {
        String members = "\"time\":\"" + now + "\",\"request_id\":\"req-" + seq + "\",\"trace_id\":\"4bf92f3577b34da6a3ce929d0e0e"
                + String.format("%04x", seq % 0x10000) + "\",\"listener\":\"public\",\"route_id\":\"read-order\","
                + "\"method\":\"GET\",\"host\":\"api.example.com\",\"path_template\":\"/orders/{orderId}\","
                + "\"path\":\"/orders/" + seq + "\",\"client_address\":\"203.0.113.7\",\"subject\":{\"id\":\"alice\","
                + "\"kind\":\"user\",\"issuer\":\"corp\",\"credential\":\"jwt\",\"binding\":\"none\"},"
                + "\"outcome\":\"" + AuditRecord.Outcome.ALLOWED.code() + "\","
                + (detail.isEmpty() ? "" : "\"detail\":\"" + detail + "\",")
                + "\"shadow\":[],\"upstream\":\"10.0.1.5:8443\",\"status\":200,\"bytes_in\":0,\"bytes_out\":512,"
                + "\"total_micros\":1830,\"chain_micros\":95,\"upstream_micros\":1402,\"headers\":{\"user-agent\":\"curl/8.5\"}";
        return members.getBytes(StandardCharsets.UTF_8);
    }

    private void write(String type, byte[] members) {
        ByteArrayOutputStream out = current;
        if (out == null) {
            throw new IllegalStateException("no file is open");
        }
        byte[] line = chain.link(type, members);
        out.writeBytes(line);
        out.write('\n');
        lineNumber++;
        places.put(chain.seq(), new Place(currentFile, lineNumber));
        written.put(chain.seq(), line);
    }

    private void newFile() {
        Path file = dir.resolve(String.format("audit-%012d-%s.jsonl", chain.seq() + 1, FILE_TIME.format(now)));
        files.add(file);
        currentFile = file;
        current = new ByteArrayOutputStream();
        lineNumber = 0;
    }

    private void close(long tornBytes) {
        ByteArrayOutputStream out = current;
        if (out == null) {
            throw new IllegalStateException("no file is open");
        }
        try {
            Files.write(currentFile, out.toByteArray());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        current = null;
        torn = tornBytes;
    }

    private Instant tick() {
        now = now.plusSeconds(1);
        return now;
    }
}
