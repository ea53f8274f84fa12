package io.zerogate.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(120)
class DevIssuerCommandTest {

    private record Run(int exit, String out, String err) {}

    private static Run run(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        PrintStream originalOut = System.out;
        PrintStream originalErr = System.err;
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
        int exit;
        try {
            exit = Main.execute(args);
        } finally {
            System.setOut(originalOut);
            System.setErr(originalErr);
        }
        return new Run(exit, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    @Test
    void theHelpSaysItIsForDevelopmentOnly() {
        Run help = run("dev-issuer", "--help");
        assertThat(help.exit()).isZero();
        assertThat(help.out()).contains("FOR DEVELOPMENT ONLY").contains("--listen=HOST:PORT")
                .contains("loopback only").contains("POST /token");
        assertThat(run("--help").out()).contains("dev-issuer");
    }

    @Test
    void aNonLoopbackOrMalformedAddressIsAUsageError() {
        for (String listen : List.of("0.0.0.0:9400", "10.1.2.3:9400", "[::]:9400", "example.com:9400", "127.0.0.1",
                "127.0.0.1:70000", "::1:9400")) {
            Run r = run("dev-issuer", "--listen", listen);
            assertThat(r.exit()).as(listen).isEqualTo(2);
            assertThat(r.err()).as(listen).contains("Invalid value for option '--listen'").contains("'" + listen + "'");
        }
        assertThat(run("dev-issuer", "--listen", "0.0.0.0:9400").err()).contains("expected: a loopback address");
    }

    @Test
    void loopbackFormsAreAccepted() {
        DevIssuerCommand.LoopbackAddress parse = new DevIssuerCommand.LoopbackAddress();
        assertThat(parse.convert("127.0.0.1:9400")).isEqualTo(new InetSocketAddress(InetAddress.getLoopbackAddress(), 9400));
        assertThat(parse.convert("127.0.0.2:0").getAddress().getHostAddress()).isEqualTo("127.0.0.2");
        assertThat(parse.convert("[::1]:9400").getAddress().isLoopbackAddress()).isTrue();
        assertThat(parse.convert("localhost:9400").getAddress().isLoopbackAddress()).isTrue();
    }

    @Test
    void aTakenPortIsReportedAndExitsWith1() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            Run r = run("dev-issuer", "--listen", "127.0.0.1:" + taken.getLocalPort());
            assertThat(r.exit()).isEqualTo(1);
            assertThat(r.err()).startsWith("zerogate dev-issuer: cannot listen on 127.0.0.1:" + taken.getLocalPort() + ": ");
        }
    }

    @Test
    void itServesInTheForegroundAndStopsOnSigterm() throws Exception {
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        Process process = new ProcessBuilder(java.toString(), "--enable-native-access=ALL-UNNAMED", "-cp",
                System.getProperty("java.class.path"), Main.class.getName(), "dev-issuer", "--listen", "127.0.0.1:0")
                .redirectError(ProcessBuilder.Redirect.DISCARD).start();
        try {
            BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
            String first = out.readLine();
            assertThat(first).isNotNull();
            Matcher m = Pattern.compile("zerogate dev-issuer: issuer (http://127\\.0\\.0\\.1:(\\d+))").matcher(first);
            assertThat(m.matches()).as(first).isTrue();
            String issuer = m.group(1);
            HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
            HttpResponse<String> discovery = http.send(HttpRequest.newBuilder(URI.create(issuer + "/.well-known/openid-configuration"))
                    .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(discovery.statusCode()).isEqualTo(200);
            assertThat(discovery.body()).contains("\"issuer\":\"" + issuer + "\"");
            StringBuilder rest = new StringBuilder();
            for (int i = 0; i < 4; i++) {
                rest.append(out.readLine()).append('\n');
            }
            assertThat(rest.toString()).contains("curl -s " + issuer + "/token -d sub=alice")
                    .contains("For development only");

            process.destroy(); // SIGTERM
            assertThat(process.waitFor(20, TimeUnit.SECONDS)).as("stopped on SIGTERM").isTrue();
            int port = Integer.parseInt(m.group(2));
            try (ServerSocket again = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
                assertThat(again.getLocalPort()).isEqualTo(port);
            }
        } finally {
            process.destroyForcibly();
        }
    }
}
