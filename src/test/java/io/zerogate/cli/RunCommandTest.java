package io.zerogate.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RunCommandTest {

    @TempDir
    Path dir;

    private int run(String... args) {
        return Main.execute(args);
    }

    @Test
    void aTakenPortIsReportedByListenerAndAddress() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            Path file = dir.resolve("gateway.yaml");
            Files.writeString(file, """
                    version: 1
                    listeners:
                      - name: public
                        address: 127.0.0.1:%d
                    admin: { enabled: false }
                    services: {}
                    routes: []
                    """.formatted(taken.getLocalPort()));
            ByteArrayOutputStream err = new ByteArrayOutputStream();
            PrintStream original = System.err;
            System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
            int exit;
            try {
                exit = run("run", "--config", file.toString());
            } finally {
                System.setErr(original);
            }
            assertThat(exit).isEqualTo(1);
            assertThat(err.toString(StandardCharsets.UTF_8)).contains(
                    "cannot listen on 127.0.0.1:" + taken.getLocalPort() + " for listener public");
        }
    }

    @Test
    void aBadFileIsReportedWithItsLineAndNothingStarts() throws Exception {
        Path file = dir.resolve("bad.yaml");
        Files.writeString(file, "version: 1\nlisteners: [{ address: 127.0.0.1:0 }]\nservices: {}\nroutes: []\nextra: 1\n");
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        PrintStream original = System.err;
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
        int exit;
        try {
            exit = run("run", "--config", file.toString());
        } finally {
            System.setErr(original);
        }
        assertThat(exit).isEqualTo(1);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains(file + ":5: extra: unknown key 'extra'");
    }
}
