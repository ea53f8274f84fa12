package io.zerogate.audit;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One audit file opened for tampering: its complete lines as raw bytes, and the bytes after its last newline kept
 * apart, written back exactly as edited.
 */
final class TrailFileEdit {

    final Path file;
    final List<byte[]> lines = new ArrayList<>();
    byte[] tail;

    private TrailFileEdit(Path file) throws IOException {
        this.file = file;
        byte[] all = Files.readAllBytes(file);
        int start = 0;
        for (int i = 0; i < all.length; i++) {
            if (all[i] == '\n') {
                lines.add(Arrays.copyOfRange(all, start, i));
                start = i + 1;
            }
        }
        tail = Arrays.copyOfRange(all, start, all.length);
    }

    static TrailFileEdit of(Path file) throws IOException {
        return new TrailFileEdit(file);
    }

    /** The 1-based line {@code number}. */
    byte[] line(long number) {
        return lines.get((int) number - 1);
    }

    /** Replaces the first occurrence of {@code from} in line {@code number} with {@code to}. */
    TrailFileEdit replace(long number, String from, String to) {
        String text = new String(line(number), StandardCharsets.UTF_8);
        if (!text.contains(from)) {
            throw new IllegalArgumentException("line " + number + " has no " + from);
        }
        lines.set((int) number - 1, text.replaceFirst(Pattern.quote(from), Matcher.quoteReplacement(to)).getBytes(StandardCharsets.UTF_8));
        return this;
    }

    TrailFileEdit set(long number, byte[] line) {
        lines.set((int) number - 1, line);
        return this;
    }

    /** Inserts {@code line} so that it becomes line {@code number}. */
    TrailFileEdit insert(long number, byte[] line) {
        lines.add((int) number - 1, line);
        return this;
    }

    TrailFileEdit delete(long number) {
        lines.remove((int) number - 1);
        return this;
    }

    /** Keeps the first {@code count} lines and no tail. */
    TrailFileEdit keep(int count) {
        lines.subList(count, lines.size()).clear();
        tail = new byte[0];
        return this;
    }

    void write() throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] line : lines) {
            out.writeBytes(line);
            out.write('\n');
        }
        out.writeBytes(tail);
        Files.write(file, out.toByteArray());
    }
}
