package io.zerogate.audit;

import io.zerogate.audit.sink.FileAuditSink;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PublicKey;
import java.security.spec.X509EncodedKeySpec;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * Checks that an audit trail is whole: every line of the given files, in order, links to the one before it
 * (sequence number and hash), every checkpoint carries a valid signature by a trusted key, restarts account for
 * what a crash left behind, and the trail ends sealed by a checkpoint. Reports the first break: what an edited,
 * deleted, inserted, duplicated or reordered line, a cut file, a missing file or a forged checkpoint looks like
 * where it happens. Reads files as streams, one line at a time, so trails of any size verify in bounded memory.
 *
 * <p>With no trusted key the chain is still followed, but the verdict is at best
 * {@link VerifyReport.Verdict#UNSIGNED}: whoever can write the files can also rewrite the whole chain.
 */
public final class AuditVerifier {

    /** The longest line read; no gateway writes one nearly this long, so a longer line is damage or tampering. */
    public static final int DEFAULT_MAX_LINE_BYTES = 1024 * 1024;

    private static final String AUDIT_FILES = "audit-*.jsonl";

    private final List<PublicKey> trustedKeys;
    private final boolean allowUnsealedTail;
    private final int maxLineBytes;

    /**
     * @param trustedKeys       the Ed25519 keys checkpoints may be signed with; empty to follow the chain only
     * @param allowUnsealedTail accept lines after the last checkpoint at the very end (a file still being written)
     */
    public AuditVerifier(List<PublicKey> trustedKeys, boolean allowUnsealedTail) {
        this(trustedKeys, allowUnsealedTail, DEFAULT_MAX_LINE_BYTES);
    }

    AuditVerifier(List<PublicKey> trustedKeys, boolean allowUnsealedTail, int maxLineBytes) {
        List<PublicKey> keys = new ArrayList<>();
        for (PublicKey key : trustedKeys) {
            keys.add(ed25519(key));
        }
        if (maxLineBytes < 1) {
            throw new IllegalArgumentException("maxLineBytes: " + maxLineBytes + " (expected: >= 1)");
        }
        this.trustedKeys = List.copyOf(keys);
        this.allowUnsealedTail = allowUnsealedTail;
        this.maxLineBytes = maxLineBytes;
    }

    /**
     * Verifies the trail held by these files, in this order (the order of their names, for files the gateway
     * wrote). Damaged or altered content is reported as a {@link TrailBreak}, never thrown.
     *
     * @throws IOException when a file cannot be read at all; the message names the file and why, in one line
     */
    public VerifyReport verify(List<Path> files) throws IOException {
        if (files.isEmpty()) {
            throw new IllegalArgumentException("files: empty (expected: at least one audit file)");
        }
        TrailSeals seals = new TrailSeals(trustedKeys);
        try (TrailReader reader = new TrailReader(files, maxLineBytes)) {
            TrailLinks links = new TrailLinks(allowUnsealedTail, new TrailDiagnosis(reader, seals));
            TrailBreak broken = null;
            TrailReader.Entry entry;
            int filesRead = 0;
            while (broken == null && (entry = reader.next()) != null) {
                // Counted before a break's diagnosis reads ahead into later files.
                filesRead = reader.filesOpened();
                broken = switch (entry) {
                    case TrailLine line -> {
                        TrailBreak b = links.accept(line);
                        yield b == null && line.type() == TrailLine.Type.CHECKPOINT ? seals.check(line) : b;
                    }
                    case TrailReader.Unreadable u -> unreadable(u, links.expectedSeq());
                    case TrailReader.FileEnd end -> links.fileEnded(end);
                };
            }
            if (broken == null) {
                broken = links.trailEnded();
            }
            TrailLine sealed = links.lastCheckpoint();
            return new VerifyReport(broken, seals.checking(), List.copyOf(seals.seenKeyIds()), filesRead,
                    links.lines(), links.records(), links.checkpoints(), links.firstSeq(), links.lastSeq(),
                    sealed == null ? 0 : sealed.seq(), links.lastSealedAt(), links.startsMidChain(), links.notes());
        }
    }

    /**
     * The files a list of paths names, in order: a file stands for itself, a directory for its
     * {@code audit-*.jsonl} files in name order (which is chain order).
     *
     * @throws IOException when a path does not exist, or a directory holds no audit file
     */
    public static List<Path> trailFiles(List<Path> paths) throws IOException {
        List<Path> files = new ArrayList<>();
        for (Path path : paths) {
            if (Files.isDirectory(path)) {
                List<Path> found = new ArrayList<>();
                try (DirectoryStream<Path> dir = Files.newDirectoryStream(path, AUDIT_FILES)) {
                    for (Path p : dir) {
                        if (Files.isRegularFile(p)) {
                            found.add(p);
                        }
                    }
                } catch (IOException e) {
                    throw TrailReader.failure(path, e);
                }
                if (found.isEmpty()) {
                    throw new IOException(path + ": no " + AUDIT_FILES + " files in this directory");
                }
                found.sort(FileAuditSink.TRAIL_ORDER);
                files.addAll(found);
            } else if (Files.exists(path)) {
                files.add(path);
            } else {
                throw TrailReader.failure(path, new NoSuchFileException(path.toString()));
            }
        }
        return files;
    }

    private static TrailBreak unreadable(TrailReader.Unreadable u, long expectedSeq) {
        String meaning = u.kind() == TrailBreak.Kind.LINE_TOO_LONG
                ? "no gateway writes a line this long: the file was altered or damaged"
                : "this is not an audit line as the gateway writes them: the line was altered or inserted, or the file"
                + " is damaged";
        return new TrailBreak(u.kind(), u.file(), u.number(), expectedSeq,
                "an audit line: one JSON object beginning {\"seq\":…,\"prev\":…,\"type\":…}", u.reason(), meaning);
    }

    /** The key as the JDK's Ed25519 key, whatever provider made it; refuses any other kind of key. */
    private static PublicKey ed25519(@Nullable PublicKey key) {
        if (key == null) {
            throw new IllegalArgumentException("trustedKeys: a null key (expected: Ed25519 public keys)");
        }
        byte[] encoded = key.getEncoded();
        try {
            if (encoded == null) {
                throw new GeneralSecurityException("no X.509 encoding");
            }
            return KeyFactory.getInstance("Ed25519").generatePublic(new X509EncodedKeySpec(encoded));
        } catch (GeneralSecurityException e) {
            throw new IllegalArgumentException("trustedKeys: a key of algorithm " + key.getAlgorithm() + " (expected: Ed25519)");
        }
    }
}
