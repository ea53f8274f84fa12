package io.zerogate.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigFileLoadingTest {

    @TempDir
    Path dir;

    @Test
    void fileReferencesResolveAgainstTheConfigDirectory() throws Exception {
        Files.createDirectory(dir.resolve("secrets"));
        Files.writeString(dir.resolve("secrets/upstream"), "http://10.9.9.9:7000\n");
        Files.writeString(dir.resolve("secrets/id"), "from-file\r\n");
        Path file = write("""
                version: 1
                listeners: [{ address: 127.0.0.1:0 }]
                services:
                  sample: { targets: ['${file:secrets/upstream}'], tls: none }
                routes:
                  - id: ${file:secrets/id}
                    match: { path: "/${file:secrets/id}/x" }
                    service: sample
                """);

        GatewayConfig config = ConfigLoader.load(file);

        assertThat(config.source()).isEqualTo(file.toString());
        assertThat(config.services().get("sample").targets()).containsExactly(new TargetAddress("http", "10.9.9.9", 7000));
        assertThat(config.routes().get(0).id()).isEqualTo("from-file");
        assertThat(config.routes().get(0).path()).isEqualTo("/from-file/x");
    }

    @Test
    void absoluteFileReferencesAreReadAsGiven() throws Exception {
        Path secret = dir.resolve("abs");
        Files.writeString(secret, "http://10.0.0.8");
        Path file = write(minimal("['${file:" + secret.toAbsolutePath() + "}']"));

        assertThat(ConfigLoader.load(file).services().get("sample").targets())
                .containsExactly(new TargetAddress("http", "10.0.0.8", 80));
    }

    @Test
    void missingFileReferenceIsNamed() throws Exception {
        Path file = write(minimal("['${file:nope.txt}']"));

        ConfigException e = rejected(file);

        assertThat(e.line()).isEqualTo(4);
        assertThat(e.keyPath()).isEqualTo("services.sample.targets[0]");
        assertThat(e.problem()).isEqualTo("cannot read ${file:nope.txt}: no such file");
    }

    @Test
    void fileContentNeverAppearsInMessages() throws Exception {
        Files.writeString(dir.resolve("token"), "gopher://hunter2\n");
        Path file = write(minimal("['${file:token}']"));

        ConfigException e = rejected(file);

        assertThat(e.problem()).isEqualTo("the value of ${file:token} is not an http:// or https:// URL (expected http://host[:port] or https://host[:port])");
        assertThat(e.getMessage()).doesNotContain("hunter2");
    }

    @Test
    void missingConfigFile() {
        Path file = dir.resolve("absent.yaml");

        ConfigException e = rejected(file);

        assertThat(e.getMessage()).isEqualTo(file + ": cannot read the configuration file: no such file");
    }

    @Test
    void oversizedConfigFile() throws Exception {
        Path file = dir.resolve("big.yaml");
        Files.write(file, new byte[(1 << 20) + 1]);

        assertThat(rejected(file).problem()).isEqualTo("the document is larger than 1 MiB");
    }

    @Test
    void invalidUtf8() throws Exception {
        Path file = dir.resolve("latin1.yaml");
        Files.write(file, "version: 1\n# caf\u00e9\n".getBytes(StandardCharsets.ISO_8859_1));

        assertThat(rejected(file).problem()).isEqualTo("the file is not valid UTF-8 text");
    }

    @Test
    void byteOrderMarkIsIgnored() throws Exception {
        Path file = write("\uFEFF" + minimal("[http://10.0.0.1]"));

        assertThat(ConfigLoader.load(file).version()).isEqualTo(1);
    }

    @Test
    void exampleConfigurationLoads() throws Exception {
        GatewayConfig config = ConfigLoader.load(Path.of("examples/gateway.yaml"));

        assertThat(config.listeners()).isNotEmpty();
        assertThat(config.admin().address()).isNotNull();
        assertThat(config.trustedProxies().cidrs().isEmpty()).isFalse();
        assertThat(config.services().values()).anySatisfy(s -> assertThat(s.activeHealth()).isNotNull());
        assertThat(config.routes()).anySatisfy(r -> assertThat(r.isPublic()).isTrue());
        assertThat(config.routes()).anySatisfy(r -> assertThat(r.host()).isNotNull());
        assertThat(config.identity().issuers()).extracting(IssuerConfig::name).containsExactly("corp", "partners");
        assertThat(config.routes()).anySatisfy(r -> assertThat(r.require().boundToken())
                .isEqualTo(RouteRequirements.BoundToken.DPOP));
        assertThat(config.rateLimits().global()).isNotEmpty();
        java.util.List<LimitConfig> limits = config.routes().stream().flatMap(r -> r.limits().stream()).toList();
        assertThat(limits).extracting(LimitConfig::algorithm).contains(LimitConfig.Algorithm.GCRA,
                LimitConfig.Algorithm.CONCURRENCY, LimitConfig.Algorithm.QUOTA, LimitConfig.Algorithm.SLIDING_WINDOW,
                LimitConfig.Algorithm.FIXED_WINDOW);
        assertThat(limits).anySatisfy(l -> assertThat(l.shadow()).isTrue());
        for (LimitConfig limit : limits) {
            if (limit.when().expression() != null) {
                io.zerogate.policy.cel.Expression.condition(limit.when().expression());
            }
        }
    }

    private static String minimal(String targets) {
        return """
                version: 1
                listeners: [{ address: 127.0.0.1:0 }]
                services:
                  sample: { targets: %s, tls: none }
                routes: []
                """.formatted(targets);
    }

    private Path write(String yaml) throws Exception {
        Path file = dir.resolve("gateway.yaml");
        Files.writeString(file, yaml);
        return file;
    }

    private static ConfigException rejected(Path file) {
        try {
            ConfigLoader.load(file);
        } catch (ConfigException e) {
            return e;
        }
        throw new AssertionError("expected " + file + " to be refused");
    }
}
