package io.zerogate.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** {@code zerogate demo --check}: the demo's own example requests, answered as the demo promises. */
@Timeout(value = 1, unit = TimeUnit.MINUTES)
class DemoCommandTest {

    @Test
    void everyExampleAnswersAsPrintedAndNothingIsLeftBehind() throws IOException {
        Set<Path> before = demoDirectories();
        PrintStream original = System.out;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        int exit;
        try {
            System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
            exit = Main.execute("demo", "--check", "--port", "0", "--admin-port", "0");
        } finally {
            System.setOut(original);
        }
        String out = captured.toString(StandardCharsets.UTF_8);
        System.out.print(out);
        assertThat(exit).as(out).isZero();
        assertThat(out).containsPattern("(?m)^[1-9][0-9]* passed, 0 failed$").doesNotContain("FAIL")
                .containsPattern("(?m)^ok +audit trail .*: intact$");
        assertThat(demoDirectories()).as("the generated configuration is removed").isEqualTo(before);
    }

    private static Set<Path> demoDirectories() throws IOException {
        try (Stream<Path> entries = Files.list(Path.of(System.getProperty("java.io.tmpdir")))) {
            return entries.filter(p -> p.getFileName().toString().startsWith("zerogate-demo-")).collect(Collectors.toSet());
        }
    }
}
