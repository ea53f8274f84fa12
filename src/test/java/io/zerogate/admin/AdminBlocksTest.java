package io.zerogate.admin;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.zerogate.testing.RunningGateway;
import io.zerogate.testing.TestUpstream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** {@code /admin/blocks}: listing, placing and removing blocks on client addresses, and refusing bad requests. */
@Timeout(value = 1, unit = TimeUnit.MINUTES)
class AdminBlocksTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String SERVICES = """
            services:
              s: { targets: [%s], tls: none }
            routes:
              - { id: r, match: { path: /r }, service: s, public: true }
            """;

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    @AfterEach
    void closeClient() {
        http.close();
    }

    private HttpResponse<String> post(RunningGateway gw, String body) throws Exception {
        return http.send(gw.admin("/admin/blocks").POST(HttpRequest.BodyPublishers.ofString(body))
                .header("Content-Type", "application/json").build(), HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> call(RunningGateway gw, String method, String path) throws Exception {
        return http.send(gw.admin(path).method(method, HttpRequest.BodyPublishers.noBody()).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static void assertProblem(HttpResponse<String> r, int status, String code, String detail) throws Exception {
        assertThat(r.statusCode()).as(r.body()).isEqualTo(status);
        assertThat(r.headers().firstValue("content-type")).hasValue("application/problem+json");
        JsonNode problem = JSON.readTree(r.body());
        assertThat(problem.path("code").asText()).isEqualTo(code);
        assertThat(problem.path("detail").asText()).isEqualTo(detail);
    }

    @Test
    void placesListsAndRemovesBlocks() throws Exception {
        try (TestUpstream up = TestUpstream.fixed("ok"); RunningGateway gw = RunningGateway.start(SERVICES.formatted(up.target()))) {
            assertThat(JSON.readTree(call(gw, "GET", "/admin/blocks").body()).size()).isZero();

            Instant before = Instant.now();
            HttpResponse<String> placed = post(gw, "{\"address\":\"198.51.100.7\",\"ttl\":\"15m\",\"reason\":\"credential stuffing\"}");
            assertThat(placed.statusCode()).as(placed.body()).isEqualTo(201);
            assertThat(placed.headers().firstValue("content-type")).hasValue("application/json");
            JsonNode block = JSON.readTree(placed.body());
            assertThat(block.path("target").asText()).isEqualTo("198.51.100.7");
            assertThat(block.path("reason").asText()).isEqualTo("credential stuffing");
            Instant expires = Instant.parse(block.path("expires").asText());
            Instant at = Instant.parse(block.path("placed").asText());
            assertThat(Duration.between(at, expires)).isEqualTo(Duration.ofMinutes(15));
            assertThat(at).isBetween(before.minusSeconds(1), Instant.now().plusSeconds(1));

            HttpResponse<String> wide = post(gw, "{\"cidr\":\"2001:db8::/32\",\"ttl\":\"2h\",\"reason\":\"scanner\"}");
            assertThat(wide.statusCode()).as(wide.body()).isEqualTo(201);

            JsonNode list = JSON.readTree(call(gw, "GET", "/admin/blocks").body());
            assertThat(list.size()).isEqualTo(2);
            assertThat(list.get(0).path("target").asText()).isEqualTo("198.51.100.7");
            assertThat(list.get(1).path("target").asText()).isEqualTo("2001:db8::/32");
            assertThat(gw.gateway().metrics().scrape()).contains("zerogate_network_blocks_active 2.0");

            HttpResponse<String> removed = call(gw, "DELETE", "/admin/blocks?address=198.51.100.7");
            assertThat(removed.statusCode()).as(removed.body()).isEqualTo(200);
            assertThat(JSON.readTree(removed.body()).path("target").asText()).isEqualTo("198.51.100.7");
            assertProblem(call(gw, "DELETE", "/admin/blocks?address=198.51.100.7"), 404, "block_not_found",
                    "no active block on '198.51.100.7'");
            assertThat(call(gw, "DELETE", "/admin/blocks?cidr=2001:db8::/32").statusCode()).isEqualTo(200);
            assertThat(JSON.readTree(call(gw, "GET", "/admin/blocks").body()).size()).isZero();
        }
    }

    @Test
    void refusesBadRequestsWithASpecificReason() throws Exception {
        try (TestUpstream up = TestUpstream.fixed("ok"); RunningGateway gw = RunningGateway.start(SERVICES.formatted(up.target()))) {
            assertProblem(post(gw, "not json"), 400, "block_invalid",
                    "the body is not JSON (expected: {\"address\" or \"cidr\", \"ttl\", \"reason\"})");
            assertProblem(post(gw, "[1]"), 400, "block_invalid",
                    "the body is not a JSON object (expected: {\"address\" or \"cidr\", \"ttl\", \"reason\"})");
            assertProblem(post(gw, "{\"address\":\"198.51.100.7\",\"ttl\":\"15m\",\"reason\":\"x\",\"until\":\"x\"}"), 400,
                    "block_invalid", "unknown field 'until' (allowed: address, cidr, ttl, reason)");
            assertProblem(post(gw, "{\"address\":\"198.51.100.7\",\"cidr\":\"198.51.100.0/24\",\"ttl\":\"15m\",\"reason\":\"x\"}"),
                    400, "block_invalid", "give exactly one of address and cidr");
            assertProblem(post(gw, "{\"ttl\":\"15m\",\"reason\":\"x\"}"), 400, "block_invalid", "give exactly one of address and cidr");
            assertProblem(post(gw, "{\"address\":\"198.51.100.7\",\"ttl\":15,\"reason\":\"x\"}"), 400, "block_invalid",
                    "address, ttl and reason are required, each a string");
            assertProblem(post(gw, "{\"address\":\"198.51.100.7\",\"ttl\":\"15m\"}"), 400, "block_invalid",
                    "address, ttl and reason are required, each a string");
            assertProblem(post(gw, "{\"address\":\"198.51.100.0/24\",\"ttl\":\"15m\",\"reason\":\"x\"}"), 400, "block_invalid",
                    "address '198.51.100.0/24' has a prefix length; send it as cidr");
            assertProblem(post(gw, "{\"cidr\":\"198.51.100.7\",\"ttl\":\"15m\",\"reason\":\"x\"}"), 400, "block_invalid",
                    "cidr '198.51.100.7' has no prefix length (expected a block such as 198.51.100.0/24; or send address)");
            assertProblem(post(gw, "{\"cidr\":\"198.51.100.7/24\",\"ttl\":\"15m\",\"reason\":\"x\"}"), 400, "block_invalid",
                    "'198.51.100.7/24' has bits set beyond its prefix length (expected: 198.51.100.0/24)");
            assertProblem(post(gw, "{\"address\":\"gw.example\",\"ttl\":\"15m\",\"reason\":\"x\"}"), 400, "block_invalid",
                    "'gw.example' is not an IPv4 or IPv6 address or CIDR block");
            assertProblem(post(gw, "{\"address\":\"198.51.100.7\",\"ttl\":\"a while\",\"reason\":\"x\"}"), 400, "block_invalid",
                    "ttl 'a while' is not a duration (expected: a number followed by ms, s, m or h, such as 15m)");
            assertProblem(post(gw, "{\"address\":\"198.51.100.7\",\"ttl\":\"800h\",\"reason\":\"x\"}"), 400, "block_invalid",
                    "ttl PT800H is out of range (expected: more than 0 and at most 30 days)");
            assertProblem(post(gw, "{\"address\":\"198.51.100.7\",\"ttl\":\"15m\",\"reason\":\"\"}"), 400, "block_invalid",
                    "reason is empty (expected: a short text saying why the block is placed)");
            assertProblem(call(gw, "DELETE", "/admin/blocks"), 400, "block_invalid", "give exactly one of ?address= and ?cidr=");
            assertProblem(call(gw, "DELETE", "/admin/blocks?ip=198.51.100.7"), 400, "block_invalid",
                    "unknown parameter 'ip' (expected: address or cidr)");
            assertProblem(call(gw, "DELETE", "/admin/blocks?address=1.2.3.4&address=1.2.3.5"), 400, "block_invalid",
                    "parameter address given 2 times (expected: once)");
            assertProblem(call(gw, "DELETE", "/admin/blocks?address=nowhere"), 400, "block_invalid",
                    "'nowhere' is not an IPv4 or IPv6 address or CIDR block");
            assertThat(JSON.readTree(call(gw, "GET", "/admin/blocks").body()).size()).isZero();
        }
    }

    @Test
    void theEndpointNeedsAdminCredentialsAndAnswersOnlyItsMethods() throws Exception {
        try (TestUpstream up = TestUpstream.fixed("ok"); RunningGateway gw = RunningGateway.start(SERVICES.formatted(up.target()))) {
            for (String method : new String[] {"GET", "POST", "DELETE"}) {
                HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gw.adminPort()
                                + "/admin/blocks?address=198.51.100.7"))
                        .method(method, HttpRequest.BodyPublishers.ofString(
                                method.equals("POST") ? "{\"address\":\"198.51.100.7\",\"ttl\":\"15m\",\"reason\":\"x\"}" : ""))
                        .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
                assertThat(r.statusCode()).as(method).isEqualTo(401);
            }
            assertThat(gw.gateway().metrics().adminAuthFailures("missing")).isEqualTo(3);
            HttpResponse<String> put = call(gw, "PUT", "/admin/blocks");
            assertThat(put.statusCode()).isEqualTo(405);
            assertThat(put.headers().firstValue("allow")).hasValue("GET, HEAD, POST, DELETE");
            assertThat(JSON.readTree(call(gw, "GET", "/admin/blocks").body()).size()).as("nothing was placed").isZero();
        }
    }
}
