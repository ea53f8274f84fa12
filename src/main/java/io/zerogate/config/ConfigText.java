package io.zerogate.config;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.jspecify.annotations.Nullable;

/**
 * Reads configuration text, the document and the files it refers to, with a size bound and strict
 * UTF-8 decoding, so that a huge or binary file fails cleanly instead of exhausting memory or being
 * half-understood.
 */
final class ConfigText {

    static final int MAX_BYTES = 1 << 20;

    private ConfigText() {}

    /** Reads at most {@link #MAX_BYTES} + 1 bytes; a result longer than {@link #MAX_BYTES} means "too large". */
    static byte[] readBounded(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            return in.readNBytes(MAX_BYTES + 1);
        }
    }

    /** The text, or null when the bytes are not valid UTF-8. */
    static @Nullable String decode(byte[] bytes) {
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes))
                    .toString();
        } catch (CharacterCodingException e) {
            return null;
        }
    }

    /** The UTF-8 encoded length of {@code text}, without encoding it. */
    static long utf8Length(String text) {
        long bytes = 0;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c < 0x80) {
                bytes += 1;
            } else if (c < 0x800) {
                bytes += 2;
            } else if (Character.isHighSurrogate(c)) {
                // A surrogate pair is one four-byte code point; the low half adds nothing.
                bytes += 4;
                i++;
            } else {
                bytes += 3;
            }
        }
        return bytes;
    }
}
