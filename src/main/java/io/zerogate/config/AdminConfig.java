package io.zerogate.config;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * The admin listener: where it binds, whether it speaks TLS, and who may call its API. Health, readiness and the
 * gateway's public keys are open; everything else needs one of {@code tokens} or a client certificate that chains
 * to {@code tls.clientCas}. With neither, every other endpoint is refused.
 *
 * @param address       null when the admin listener is disabled
 * @param tls           TLS on the admin listener, or null for plain HTTP
 * @param tokens        bearer tokens, kept as the SHA-256 of the token; changes apply on reload
 * @param publicMetrics {@code /metrics} answers without credentials (for a Prometheus scraper); applies on reload
 */
public record AdminConfig(@Nullable InetSocketAddress address, @Nullable Tls tls, List<Token> tokens, boolean publicMetrics) {

    public AdminConfig {
        tokens = List.copyOf(tokens);
    }

    /** A plain admin listener with no credentials: only the open endpoints answer. */
    public AdminConfig(@Nullable InetSocketAddress address) {
        this(address, null, List.of(), false);
    }

    /** Whether a caller can authenticate at all; without it every endpoint but the open ones is refused. */
    public boolean authenticates() {
        return !tokens.isEmpty() || (tls != null && !tls.clientCas().isEmpty());
    }

    /** What only a restart changes: the address and the TLS settings (tokens and {@code public} apply on reload). */
    public List<Object> listenerSettings() {
        List<Object> out = new ArrayList<>(2);
        out.add(Objects.requireNonNullElse((Object) address, "disabled"));
        out.add(Objects.requireNonNullElse((Object) tls, "plain"));
        return out;
    }

    /**
     * TLS on the admin listener.
     *
     * @param clientCaFile the CA bundle admin client certificates chain to, or null when certificates do not
     *                     authenticate
     * @param clientCas    its certificates; empty when {@code clientCaFile} is null
     */
    public record Tls(CertificateFiles identity, @Nullable Path clientCaFile, List<X509Certificate> clientCas) {

        public Tls {
            Objects.requireNonNull(identity, "identity");
            clientCas = List.copyOf(clientCas);
            if ((clientCaFile == null) != clientCas.isEmpty()) {
                throw new IllegalArgumentException("clientCas: " + clientCas.size() + " (expected: some exactly when a client CA file is set)");
            }
        }
    }

    /**
     * An admin bearer token, known only by its hash. Tokens are 256-bit random values, so one SHA-256 is enough:
     * there is nothing to guess that a slow hash would protect.
     *
     * @param name   who or what holds the token; named in logs, never the token
     * @param sha256 the SHA-256 of the token's UTF-8 bytes, 64 lower-case hex digits
     */
    public record Token(String name, String sha256) {

        /** How a token's name is written: it appears in logs. */
        public static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.@-]{0,63}");
        public static final Pattern SHA256 = Pattern.compile("[0-9a-f]{64}");

        public Token {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(sha256, "sha256");
            if (!NAME.matcher(name).matches()) {
                throw new IllegalArgumentException("name: " + name + " (expected: " + NAME.pattern() + ")");
            }
            if (!SHA256.matcher(sha256).matches()) {
                throw new IllegalArgumentException("sha256: not 64 lower-case hex digits");
            }
        }
    }
}
