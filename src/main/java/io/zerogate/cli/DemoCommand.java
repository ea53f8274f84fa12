package io.zerogate.cli;

import io.zerogate.Gateway;
import io.zerogate.admin.AdminTokens;
import io.zerogate.config.ConfigException;
import io.zerogate.config.ConfigLoader;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.spec.PKCS8EncodedKeySpec;
import java.time.Instant;
import java.util.Base64;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.bouncycastle.asn1.x509.GeneralName;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code zerogate demo}: the gateway in front of a built-in sample API on loopback, with a generated
 * configuration and ready-to-paste curl commands. {@code --check} runs those requests itself and exits.
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = "Run the gateway in front of a sample API on loopback and print curl commands to try.")
final class DemoCommand implements Callable<Integer> {

    @Option(names = "--port", defaultValue = "8080", description = "gateway port (default: ${DEFAULT-VALUE}; a free one if taken)")
    int port;

    @Option(names = "--admin-port", defaultValue = "9901", description = "admin port (default: ${DEFAULT-VALUE}; a free one if taken)")
    int adminPort;

    @Option(names = "--mtls-port", defaultValue = "8443", description = "mTLS port (default: ${DEFAULT-VALUE}; a free one if taken)")
    int mtlsPort;

    @Option(names = "--check", description = "send every example request, verify the answers, and exit")
    boolean check;

    /**
     * One request to try. {@code client} is null for plain HTTP, "" for TLS without a client certificate,
     * or the name of the workload certificate to present.
     */
    private record Example(String title, String curl, String method, String path, String extraHeader, int expected,
                           @Nullable String client) {

        Example(String title, String curl, String method, String path, String extraHeader, int expected) {
            this(title, curl, method, path, extraHeader, expected, null);
        }
    }

    /** The files the demo writes for one run; all of them are removed when it ends. */
    private static final List<String> FILES = List.of("gateway.yaml", "ca.crt", "gateway.crt", "gateway.key",
            "checkout.crt", "checkout.key", "intruder.crt", "intruder.key");

    @Override
    public Integer call() throws Exception {
        try (SampleApi api = SampleApi.start(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
             DevIssuer issuer = DevIssuer.start(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
             DevIssuer mdm = DevIssuer.start(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))) {
            Path dir = Files.createTempDirectory("zerogate-demo-");
            Path file = dir.resolve("gateway.yaml");
            try {
                mintCertificates(dir);
                String adminToken = AdminTokens.create(new SecureRandom());
                Files.writeString(file, config(usable(port), usable(adminPort), usable(mtlsPort), api.address().getPort(),
                        issuer.issuer(), mdm.issuer(), AdminTokens.sha256(adminToken)));
                return serve(api, issuer, mdm, file, adminToken);
            } finally {
                if (check) {
                    // A check run leaves nothing behind; an interactive run keeps its audit trail to be verified.
                    deleteTree(dir.resolve("audit"));
                }
                // Generated for this run only; every --check run would otherwise leave them behind.
                for (String name : FILES) {
                    Files.deleteIfExists(dir.resolve(name));
                }
                try {
                    Files.deleteIfExists(dir);
                } catch (DirectoryNotEmptyException editorFiles) {
                    // Whatever an editor left beside the file is the user's to remove.
                }
            }
        }
    }

    private static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root)) {
            return;
        }
        try (java.util.stream.Stream<Path> all = Files.walk(root)) {
            for (Path p : all.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    /**
     * Tokens of the demo issuer for one person: after a password only, and after a second factor; and device
     * attestations for her laptop from the demo's device management service: compliant, and out of compliance.
     */
    private record DemoTokens(String password, String mfa, String forged, String device, String nonCompliantDevice) {

        static DemoTokens mint(DevIssuer issuer, DevIssuer mdm) {
            long now = Instant.now().getEpochSecond();
            String password = issuer.mint("alice", AUDIENCE, Map.<String, Object>of("scope", "orders:read", "amr", List.of("pwd"),
                    "auth_time", now), DevIssuer.MAX_TOKEN_LIFETIME);
            String mfa = issuer.mint("alice", AUDIENCE, Map.<String, Object>of("scope", "orders:read transfers:read",
                    "amr", List.of("pwd", "otp"), "auth_time", now), DevIssuer.MAX_TOKEN_LIFETIME);
            // The same claims with one signature byte changed: what a tampered token looks like.
            char last = password.charAt(password.length() - 2);
            String forged = password.substring(0, password.length() - 2) + (last == 'A' ? 'B' : 'A')
                    + password.charAt(password.length() - 1);
            Map<String, Object> laptop = Map.of("device_id", "laptop-7", "managed", true, "compliant", true,
                    "disk_encrypted", true, "os", "macOS", "os_version", "15.6", "edr_running", true);
            String device = mdm.mint("alice", MDM_AUDIENCE, laptop, Duration.ofMinutes(10));
            Map<String, Object> unpatched = new java.util.HashMap<>(laptop);
            unpatched.put("compliant", false);
            String nonCompliantDevice = mdm.mint("alice", MDM_AUDIENCE, unpatched, Duration.ofMinutes(10));
            return new DemoTokens(password, mfa, forged, device, nonCompliantDevice);
        }
    }

    static final String MDM_AUDIENCE = "zerogate";

    static final String AUDIENCE = "demo-api";

    private int serve(SampleApi api, DevIssuer issuer, DevIssuer mdm, Path file, String adminToken) throws IOException, InterruptedException, GeneralSecurityException {
        Gateway gateway;
        try {
            gateway = Gateway.start(ConfigLoader.load(file), file, 0);
        } catch (ConfigException | io.zerogate.server.ListenerBindException e) {
            System.err.println(e.getMessage());
            return 1;
        }
        try {
            int gw = gateway.listeners().get("public").getPort();
            int mtls = gateway.listeners().get("mtls").getPort();
            int admin = gateway.adminAddress().getPort();
            DemoTokens tokens = DemoTokens.mint(issuer, mdm);
            List<Example> examples = examples(gw, mtls, admin, file.getParent(), tokens, adminToken);
            if (check) {
                int result = runChecks(examples, gw, mtls, admin, file.getParent());
                return verifyTrail(gateway, file.resolveSibling("audit")) ? result : 1;
            }
            printIntro(file, api.address().getPort(), gw, mtls, admin, issuer, mdm, tokens, adminToken, examples);
            CountDownLatch stop = new CountDownLatch(1);
            Runtime.getRuntime().addShutdownHook(new Thread(stop::countDown, "zerogate-demo-stop"));
            stop.await();
            return 0;
        } finally {
            gateway.shutdown(Duration.ofSeconds(2));
        }
    }

    /** Checks the run's audit trail as {@code zerogate audit verify} would, once what was recorded is sealed. */
    private static boolean verifyTrail(Gateway gateway, Path auditDir) throws IOException, InterruptedException {
        io.zerogate.audit.AuditLog trail = gateway.audit();
        if (trail == null) {
            return false;
        }
        io.zerogate.audit.AuditVerifier verifier = new io.zerogate.audit.AuditVerifier(
                List.of(trail.keys().publicKey()), false);
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        io.zerogate.audit.VerifyReport report;
        do {
            // Checkpoints come within a second of a record (checkpoint_interval: 1s).
            Thread.sleep(250);
            report = verifier.verify(io.zerogate.audit.AuditVerifier.trailFiles(List.of(auditDir)));
        } while (report.verdict() != io.zerogate.audit.VerifyReport.Verdict.INTACT && System.nanoTime() < deadline);
        boolean intact = report.verdict() == io.zerogate.audit.VerifyReport.Verdict.INTACT;
        System.out.printf("%s  audit trail %s: %s%n", intact ? "ok   " : "FAIL ", auditDir,
                intact ? "intact" : String.valueOf(report.broken()));
        return intact;
    }

    /** The command that checks the demo's audit trail against the public half of its signing key. */
    static String verifyCommand(Path auditDir) {
        Path key = io.zerogate.audit.AuditKeys.publicKeyFile(auditDir.resolve("audit-signing-key.pem"));
        return "./zerogate audit verify --public-key " + key + " " + auditDir;
    }

    private static int usable(int wanted) {
        if (wanted == 0) {
            return 0;
        }
        try (ServerSocket s = new ServerSocket(wanted, 1, InetAddress.getLoopbackAddress())) {
            s.setReuseAddress(true);
            return wanted;
        } catch (IOException taken) {
            return 0;
        }
    }

    /**
     * A demo CA, the gateway's certificate for localhost, and two workload certificates: the checkout
     * service, which the payments service lists as a caller, and an intruder, which it does not.
     */
    private static void mintCertificates(Path dir) throws IOException {
        CertificateMint mint = new CertificateMint();
        Instant now = Instant.now();
        Instant notBefore = now.minus(Duration.ofMinutes(5));
        Instant notAfter = now.plus(Duration.ofDays(1));
        CertificateMint.Issued ca = mint.issue("ZeroGate demo CA", CertificateMint.Purpose.AUTHORITY, List.of(),
                notBefore, notAfter, null);
        ca.writeCertificate(dir, "ca");
        mint.issue("localhost", CertificateMint.Purpose.SERVER, List.of(new GeneralName(GeneralName.dNSName, "localhost"),
                new GeneralName(GeneralName.iPAddress, "127.0.0.1")), notBefore, notAfter, ca).write(dir, "gateway");
        for (String workload : List.of("checkout", "intruder")) {
            mint.issue(workload, CertificateMint.Purpose.CLIENT,
                    List.of(new GeneralName(GeneralName.uniformResourceIdentifier, "spiffe://demo.zerogate/" + workload)),
                    notBefore, notAfter, ca).write(dir, workload);
        }
    }

    static String config(int port, int adminPort, int mtlsPort, int upstreamPort, String issuer, String mdm,
                         String adminTokenHash) {
        return """
                # Generated by `zerogate demo`. Edit and save: the gateway reloads it atomically.
                version: 1
                listeners:
                  - name: public
                    address: 127.0.0.1:%d
                  # TLS with optional client certificates from the demo CA (mTLS).
                  - name: mtls
                    address: 127.0.0.1:%d
                    tls:
                      certificate: gateway.crt
                      private_key: gateway.key
                      client_auth: optional
                      client_ca: ca.crt
                # The admin API answers the holder of this token (its SHA-256 only is kept here);
                # `zerogate admin token create --name NAME` makes more.
                admin:
                  address: 127.0.0.1:%d
                  tokens:
                    - name: demo
                      sha256: %s
                # One hash-chained audit record per request, sealed by a signed checkpoint within a second.
                audit:
                  file: { directory: audit }
                  checkpoint_interval: 1s
                # Workload identities (SPIFFE IDs in client certificates) from this trust domain are accepted.
                workloads:
                  trust_domains: [demo.zerogate]
                # Access tokens from the demo's development issuer; its keys are fetched from its JWK set.
                identity:
                  issuers:
                    - name: demo
                      issuer: %s
                      audiences: [%s]
                      algorithms: [RS256]
                # Devices: short-lived attestations signed by the demo's device management service.
                posture:
                  attestation:
                    header: Device-Attestation
                    issuer: %s
                    jwks_uri: %s/jwks
                    audience: %s
                    algorithms: [RS256]
                    max_age: 15m
                networks:
                  loopback: [127.0.0.0/8, "::1/128"]
                services:
                  # Micro-segmentation: only the checkout workload may reach payments, whatever the route says.
                  payments:
                    targets: [http://127.0.0.1:%d]
                    tls: none
                    callers: ["spiffe://demo.zerogate/checkout"]
                  sample:
                    targets: [http://127.0.0.1:%d]
                    tls: none
                    health:
                      active: { path: /healthz, interval: 5s, timeout: 1s, healthy_after: 1, unhealthy_after: 2 }
                routes:
                  - id: hello
                    match: { methods: [GET], path: /hello }
                    service: sample
                    public: true
                  - id: echo
                    match: { methods: [GET, POST], path: /echo }
                    service: sample
                    public: true
                  - id: events
                    match: { methods: [GET], path: /events }
                    service: sample
                    public: true
                  # No `public: true` and no rule: denied by default.
                  - id: reports
                    match: { methods: [GET], path: "/reports/{reportId}" }
                    service: sample
                  # A token from the demo issuer with the orders:read scope.
                  - id: orders
                    match: { methods: [GET], path: "/orders/{orderId}" }
                    service: sample
                    authenticate: [demo]
                    require: { scopes: ["orders:read"] }
                  # Shows what the upstream receives from an authenticated call.
                  - id: whoami
                    match: { methods: [GET], path: /whoami }
                    service: sample
                    authenticate: [demo]
                  # Step-up: the person must have used a second factor in the last 15 minutes.
                  - id: transfers
                    match: { methods: [GET], path: "/transfers/{transferId}" }
                    service: sample
                    authenticate: [demo]
                    require: { mfa: true, max_auth_age: 15m }
                  - id: payments
                    match: { methods: [GET], path: "/payments/{paymentId}" }
                    service: payments
                    public: true
                  # Object-level authorization (OWASP API1, BOLA): a caller reads only her own orders.
                  - id: user-orders
                    match: { methods: [GET], path: "/users/{userId}/orders" }
                    service: sample
                    authenticate: [demo]
                    allow:
                      - id: own-orders
                        when: params.userId == subject.id
                  # Payroll only from a compliant company device, and only from a known network.
                  - id: payroll
                    match: { methods: [GET], path: /payroll }
                    service: sample
                    authenticate: [demo]
                    require: { device: compliant }
                    network: { allow: [loopback] }
                """.formatted(port, mtlsPort, adminPort, adminTokenHash, issuer, AUDIENCE, mdm, mdm, MDM_AUDIENCE,
                upstreamPort, upstreamPort);
    }

    private static List<Example> examples(int gw, int mtls, int admin, Path dir, DemoTokens tokens, String adminToken) {
        String base = "http://127.0.0.1:" + gw;
        String tls = "https://localhost:" + mtls;
        String ca = "--cacert " + dir.resolve("ca.crt");
        String checkout = " --cert " + dir.resolve("checkout.crt") + " --key " + dir.resolve("checkout.key");
        String intruder = " --cert " + dir.resolve("intruder.crt") + " --key " + dir.resolve("intruder.key");
        return List.of(
                new Example("An allowed call to a public route", "curl -i " + base + "/hello", "GET", "/hello", "", 200),
                new Example("What the upstream receives: a spoofed X-Forwarded-For is replaced, a request id is added",
                        "curl -s " + base + "/echo -H 'X-Forwarded-For: 6.6.6.6'", "GET", "/echo", "X-Forwarded-For: 6.6.6.6", 200),
                new Example("Deny by default: the reports route has no rule", "curl -i " + base + "/reports/7",
                        "GET", "/reports/7", "", 403),
                new Example("Identity: a token from the demo issuer, verified against its published keys",
                        "curl -i " + base + "/orders/42 -H \"Authorization: Bearer $TOKEN\"", "GET", "/orders/42",
                        "Authorization: Bearer " + tokens.password(), 200),
                new Example("No token: 401 with a Bearer challenge", "curl -i " + base + "/orders/42", "GET", "/orders/42", "", 401),
                new Example("A tampered token (one signature byte changed) is refused",
                        "curl -i " + base + "/orders/42 -H \"Authorization: Bearer $FORGED\"", "GET", "/orders/42",
                        "Authorization: Bearer " + tokens.forged(), 401),
                new Example("What the upstream receives: no token, but the gateway's signed ZeroGate-Identity assertion",
                        "curl -s " + base + "/whoami -H \"Authorization: Bearer $TOKEN\"", "GET", "/whoami",
                        "Authorization: Bearer " + tokens.password(), 200),
                new Example("Step-up: transfers need a second factor; a password-only token gets an RFC 9470 challenge",
                        "curl -i " + base + "/transfers/9 -H \"Authorization: Bearer $TOKEN\"", "GET", "/transfers/9",
                        "Authorization: Bearer " + tokens.password(), 401),
                new Example("The same person after a one-time code", "curl -i " + base + "/transfers/9 -H \"Authorization: Bearer $MFA_TOKEN\"",
                        "GET", "/transfers/9", "Authorization: Bearer " + tokens.mfa(), 200),
                new Example("Object-level authorization: alice reads her own orders",
                        "curl -i " + base + "/users/alice/orders -H \"Authorization: Bearer $TOKEN\"", "GET",
                        "/users/alice/orders", "Authorization: Bearer " + tokens.password(), 200),
                new Example("BOLA: alice asks for bob's orders and is refused (rule user-orders:own-orders)",
                        "curl -i " + base + "/users/bob/orders -H \"Authorization: Bearer $TOKEN\"", "GET",
                        "/users/bob/orders", "Authorization: Bearer " + tokens.password(), 403),
                new Example("Device posture: payroll needs a compliant device; without an attestation, 403",
                        "curl -i " + base + "/payroll -H \"Authorization: Bearer $TOKEN\"", "GET", "/payroll",
                        "Authorization: Bearer " + tokens.password(), 403),
                new Example("The same person from her compliant, managed laptop",
                        "curl -i " + base + "/payroll -H \"Authorization: Bearer $TOKEN\" -H \"Device-Attestation: $DEVICE\"",
                        "GET", "/payroll", "Authorization: Bearer " + tokens.password() + "\r\nDevice-Attestation: "
                        + tokens.device(), 200),
                new Example("The laptop out of compliance (its attestation says so): 403 device_not_compliant",
                        "curl -i " + base + "/payroll -H \"Authorization: Bearer $TOKEN\" -H \"Device-Attestation: $NONCOMPLIANT_DEVICE\"",
                        "GET", "/payroll", "Authorization: Bearer " + tokens.password() + "\r\nDevice-Attestation: "
                        + tokens.nonCompliantDevice(), 403),
                new Example("No route: 404 with a problem body", "curl -i " + base + "/admin", "GET", "/admin", "", 404),
                new Example("Path tricks are refused before routing", "curl -i --path-as-is '" + base + "/hello/..%2f..%2fetc/passwd'",
                        "GET", "/hello/..%2f..%2fetc/passwd", "", 400),
                new Example("Wrong method on a route: 405 with Allow", "curl -i -X DELETE " + base + "/hello", "DELETE", "/hello", "", 405),
                new Example("A server-sent event stream passes through unbuffered", "curl -N " + base + "/events",
                        "GET", "/events", "", 200),
                new Example("mTLS: the checkout workload calls payments with its certificate",
                        "curl -i " + ca + checkout + " " + tls + "/payments/7", "GET", "/payments/7", "", 200, "checkout"),
                new Example("Micro-segmentation: another workload of the same trust domain is refused",
                        "curl -i " + ca + intruder + " " + tls + "/payments/7", "GET", "/payments/7", "", 403, "intruder"),
                new Example("No client certificate, no workload identity: refused",
                        "curl -i " + ca + " " + tls + "/payments/7", "GET", "/payments/7", "", 403, ""),
                new Example("Prometheus metrics on the admin listener, for the holder of the admin token",
                        "curl -s http://127.0.0.1:" + admin + "/metrics -H \"Authorization: Bearer $ADMIN_TOKEN\" | grep zerogate_requests",
                        "GET", "@admin/metrics", "Authorization: Bearer " + adminToken, 200),
                new Example("The admin API refuses a call without credentials",
                        "curl -i http://127.0.0.1:" + admin + "/admin/config", "GET", "@admin/admin/config", "", 401),
                new Example("The running configuration, every secret masked",
                        "curl -s http://127.0.0.1:" + admin + "/admin/config -H \"Authorization: Bearer $ADMIN_TOKEN\"",
                        "GET", "@admin/admin/config", "Authorization: Bearer " + adminToken, 200));
    }

    private static void printIntro(Path file, int upstream, int gw, int mtls, int admin, DevIssuer issuer, DevIssuer mdm,
                                   DemoTokens tokens, String adminToken, List<Example> examples) {
        StringBuilder out = new StringBuilder();
        out.append("\nZeroGate demo is running.\n")
                .append("  gateway     http://127.0.0.1:").append(gw).append('\n')
                .append("  mTLS        https://localhost:").append(mtls).append("  (certificates in ")
                .append(file.getParent()).append(")\n")
                .append("  admin       http://127.0.0.1:").append(admin)
                .append("  (/healthz /readyz open; /metrics /admin/config /admin/audit/tail … need $ADMIN_TOKEN)\n")
                .append("  sample API  http://127.0.0.1:").append(upstream).append("  (behind the gateway)\n")
                .append("  issuer      ").append(issuer.issuer()).append("  (development token issuer: POST /token for more)\n")
                .append("  devices     ").append(mdm.issuer()).append("  (stands in for device management: signs device attestations)\n")
                .append("  config      ").append(file).append("  (edit it: it is reloaded on save)\n")
                .append("  audit       ").append(file.resolveSibling("audit")).append("  (kept after the demo ends)\n\n")
                .append("Tokens for alice (valid for an hour): after a password, after a one-time code, and a tampered one:\n\n")
                .append("  TOKEN=").append(tokens.password()).append("\n\n")
                .append("  MFA_TOKEN=").append(tokens.mfa()).append("\n\n")
                .append("  FORGED=").append(tokens.forged()).append("\n\n")
                .append("Device attestations for alice's laptop (valid for 10 minutes): compliant, and out of compliance:\n\n")
                .append("  DEVICE=").append(tokens.device()).append("\n\n")
                .append("  NONCOMPLIANT_DEVICE=").append(tokens.nonCompliantDevice()).append("\n\n")
                .append("The admin API's token:\n\n")
                .append("  ADMIN_TOKEN=").append(adminToken).append("\n\n")
                .append("Try:\n");
        for (Example e : examples) {
            out.append("\n  # ").append(e.title()).append(" (expect ").append(e.expected()).append(")\n  ").append(e.curl()).append('\n');
        }
        out.append("\n  # Check the audit trail: every request above is in it, hash-chained and signed (exit code 0 when intact)\n  ")
                .append(verifyCommand(file.resolveSibling("audit"))).append('\n');
        out.append("\nPress Ctrl-C to stop.\n");
        System.out.print(out);
        System.out.flush();
    }

    private static int runChecks(List<Example> examples, int gw, int mtls, int admin, Path dir)
            throws IOException, InterruptedException, GeneralSecurityException {
        HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        List<String> failures = new ArrayList<>();
        int passed = 0;
        for (Example e : examples) {
            int status;
            if (e.path().startsWith("@admin")) {
                HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + admin + e.path().substring(6)))
                        .timeout(Duration.ofSeconds(10));
                if (!e.extraHeader().isEmpty()) {
                    int colon = e.extraHeader().indexOf(':');
                    request.header(e.extraHeader().substring(0, colon), e.extraHeader().substring(colon + 1).strip());
                }
                status = client.send(request.build(), HttpResponse.BodyHandlers.discarding()).statusCode();
            } else if (e.client() != null) {
                HttpClient tlsClient = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5))
                        .sslContext(demoTls(dir, e.client())).build();
                status = tlsClient.send(HttpRequest.newBuilder(URI.create("https://localhost:" + mtls + e.path()))
                        .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.discarding()).statusCode();
            } else {
                status = rawStatus(gw, e);
            }
            if (status == e.expected()) {
                passed++;
                System.out.printf("ok    %d  %s%n", status, e.curl());
            } else {
                failures.add(e.curl());
                System.out.printf("FAIL  %d (expected %d)  %s%n", status, e.expected(), e.curl());
            }
        }
        System.out.printf("%d passed, %d failed%n", passed, failures.size());
        return failures.isEmpty() ? 0 : 1;
    }

    /** A TLS client context trusting the demo CA and presenting {@code client}'s certificate unless it is "". */
    private static SSLContext demoTls(Path dir, String client) throws IOException, GeneralSecurityException {
        CertificateFactory cf = CertificateFactory.getInstance("X.509");
        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        try (InputStream in = Files.newInputStream(dir.resolve("ca.crt"))) {
            trust.setCertificateEntry("ca", cf.generateCertificate(in));
        }
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
        KeyManagerFactory kmf = null;
        if (!client.isEmpty()) {
            KeyStore keys = KeyStore.getInstance("PKCS12");
            keys.load(null, null);
            String pem = Files.readString(dir.resolve(client + ".key"));
            byte[] der = Base64.getMimeDecoder().decode(pem.replaceAll("-----[A-Z ]+-----", ""));
            PrivateKey key = KeyFactory.getInstance("EC").generatePrivate(new PKCS8EncodedKeySpec(der));
            Certificate cert;
            try (InputStream in = Files.newInputStream(dir.resolve(client + ".crt"))) {
                cert = cf.generateCertificate(in);
            }
            keys.setKeyEntry(client, key, new char[0], new Certificate[] {cert});
            kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            kmf.init(keys, new char[0]);
        }
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(kmf == null ? null : kmf.getKeyManagers(), tmf.getTrustManagers(), null);
        return ctx;
    }

    /** Sends the example as raw bytes, so the path reaches the gateway exactly as written. */
    private static int rawStatus(int port, Example e) throws IOException {
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
            s.setSoTimeout(10_000);
            String req = e.method() + " " + e.path() + " HTTP/1.1\r\nHost: 127.0.0.1:" + port + "\r\n"
                    + (e.extraHeader().isEmpty() ? "" : e.extraHeader() + "\r\n") + "Connection: close\r\n\r\n";
            OutputStream out = s.getOutputStream();
            out.write(req.getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = s.getInputStream();
            byte[] head = new byte[12];
            int n = 0;
            while (n < head.length) {
                int r = in.read(head, n, head.length - n);
                if (r < 0) {
                    break;
                }
                n += r;
            }
            String line = new String(head, 0, n, StandardCharsets.US_ASCII);
            return line.startsWith("HTTP/1.1 ") && n >= 12 ? Integer.parseInt(line.substring(9, 12)) : -1;
        }
    }
}
