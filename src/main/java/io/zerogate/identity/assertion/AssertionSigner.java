package io.zerogate.identity.assertion;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.KeyUse;
import com.nimbusds.jose.util.Base64URL;
import com.nimbusds.jwt.JWTClaimsSet;
import io.zerogate.config.AssertionConfig;
import io.zerogate.identity.SignatureProviders;
import io.zerogate.identity.Subject;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.PrivateKey;
import java.security.Provider;
import java.security.SecureRandom;
import java.security.interfaces.ECPrivateKey;
import java.security.interfaces.ECPublicKey;
import java.time.Clock;
import java.time.Duration;
import java.util.Base64;
import java.util.Date;
import java.util.Locale;
import java.util.Objects;
import java.util.TreeSet;
import org.jspecify.annotations.Nullable;

/**
 * Signs the identity assertion the gateway forwards upstream: a short-lived ES256 JWT in which the gateway
 * vouches that it verified the caller. A service checks it with the keys from {@link #jwksJson()} (served on the
 * admin listener's {@code /.well-known/jwks.json}), the {@code iss} it is configured with and its own name as
 * {@code aud}.
 *
 * <p>Header: {@code alg ES256}, {@code typ} {@value #TYPE} (an explicit type, so that an assertion cannot be
 * mistaken for an access token, RFC 8725 section 3.11), {@code kid} the key's RFC 7638 thumbprint. Claims:
 * {@code iss}, {@code aud} (the service), {@code sub}, {@code kind} ({@code user}, {@code workload} or
 * {@code api_key}), {@code scope} (space separated, when the subject has scopes), {@code device} (when a device
 * was identified), {@code rid} (the request id), {@code iat}, {@code exp} and a unique {@code jti}.
 *
 * <p>Instances are immutable and safe to share between threads.
 */
public final class AssertionSigner {

    /** The {@code typ} header of every assertion. */
    public static final String TYPE = "zerogate-identity+jwt";

    private final String issuer;
    private final long lifetimeSeconds;
    private final Clock clock;
    private final ECDSASigner signer;
    private final JWSHeader header;
    private final String encodedHeader;
    private final String keyId;
    private final String jwksJson;
    private final SecureRandom random = new SecureRandom();

    private AssertionSigner(String issuer, Duration lifetime, Clock clock, KeyPair keys, @Nullable Provider provider) {
        this.issuer = issuer;
        this.lifetimeSeconds = lifetime.toSeconds();
        this.clock = clock;
        ECKey publicJwk = new ECKey.Builder(Curve.P_256, (ECPublicKey) keys.getPublic())
                .keyUse(KeyUse.SIGNATURE).algorithm(JWSAlgorithm.ES256).build();
        try {
            this.keyId = publicJwk.computeThumbprint().toString();
            this.signer = new ECDSASigner(forProvider((ECPrivateKey) keys.getPrivate(), provider));
        } catch (JOSEException e) {
            throw new IllegalStateException("cannot sign with a P-256 key", e);
        }
        if (provider != null) {
            signer.getJCAContext().setProvider(provider);
        }
        // Without one, every signature would construct (and seed) a SecureRandom of its own.
        signer.getJCAContext().setSecureRandom(random);
        this.header = new JWSHeader.Builder(JWSAlgorithm.ES256).type(new JOSEObjectType(TYPE)).keyID(keyId).build();
        this.encodedHeader = header.toBase64URL().toString();
        this.jwksJson = new JWKSet(new ECKey.Builder(publicJwk).keyID(keyId).build()).toString(true);
    }

    /**
     * A signer for {@code config}, signing with the preferred provider of {@link SignatureProviders}.
     *
     * @throws IllegalArgumentException naming the file, when {@code config.keyFile()} cannot be read or does not
     *                                  hold an unencrypted EC P-256 private key (PKCS#8 or SEC1 PEM); or when the
     *                                  lifetime is shorter than a second
     */
    public static AssertionSigner create(AssertionConfig config, Clock clock) {
        return create(config, clock, SignatureProviders.preferred());
    }

    /** As {@link #create(AssertionConfig, Clock)}, with the JCA provider given: null for the JDK's. */
    static AssertionSigner create(AssertionConfig config, Clock clock, @Nullable Provider provider) {
        Objects.requireNonNull(config, "config");
        Objects.requireNonNull(clock, "clock");
        if (config.lifetime().toSeconds() < 1) {
            throw new IllegalArgumentException("assertion lifetime: " + config.lifetime() + " (expected: at least 1s)");
        }
        KeyPair keys = config.keyFile() == null ? AssertionKeys.generate() : AssertionKeys.read(config.keyFile());
        return new AssertionSigner(config.issuer(), config.lifetime(), clock, keys, provider);
    }

    /**
     * The compact JWS of a new assertion for {@code subject}.
     *
     * @param audience  the service the request is forwarded to
     * @param requestId the request's id, so that the service's logs join the gateway's audit record
     * @param deviceId  the verified device's id, or null when no device was identified
     */
    public String sign(Subject subject, String audience, String requestId, @Nullable String deviceId) {
        long now = clock.instant().getEpochSecond();
        JWTClaimsSet.Builder claims = new JWTClaimsSet.Builder()
                .issuer(issuer)
                .audience(Objects.requireNonNull(audience, "audience"))
                .subject(subject.id())
                .claim("kind", kind(subject.kind()));
        if (!subject.scopes().isEmpty()) {
            // Sorted: the same subject always yields the same claim, whatever order its set iterates in.
            claims.claim("scope", String.join(" ", new TreeSet<>(subject.scopes())));
        }
        if (deviceId != null) {
            claims.claim("device", deviceId);
        }
        claims.claim("rid", Objects.requireNonNull(requestId, "requestId"))
                .issueTime(new Date(now * 1000))
                .expirationTime(new Date((now + lifetimeSeconds) * 1000))
                .jwtID(newJwtId());
        String signingInput = encodedHeader + '.' + Base64URL.encode(claims.build().toString()).toString();
        Base64URL signature;
        try {
            signature = signer.sign(header, signingInput.getBytes(StandardCharsets.US_ASCII));
        } catch (JOSEException e) {
            throw new IllegalStateException("signing the identity assertion failed", e);
        }
        return signingInput + '.' + signature;
    }

    /** The public JWK set (one P-256 key, {@code use sig}, {@code alg ES256}, {@code kid}) as JSON; no private parts. */
    public String jwksJson() {
        return jwksJson;
    }

    /** The {@code kid} of the signing key: its RFC 7638 SHA-256 thumbprint. */
    public String keyId() {
        return keyId;
    }

    @Override
    public String toString() {
        return "AssertionSigner[iss=" + issuer + ", kid=" + keyId + ", lifetime=" + lifetimeSeconds + "s]";
    }

    private static String kind(Subject.Kind kind) {
        return kind.name().toLowerCase(Locale.ROOT);
    }

    private String newJwtId() {
        byte[] id = new byte[16];
        random.nextBytes(id);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(id);
    }

    /**
     * The key in the provider's own form: a provider handed a foreign key object re-imports it on every
     * signature, which costs more than the signature itself.
     */
    private static ECPrivateKey forProvider(ECPrivateKey key, @Nullable Provider provider) {
        if (provider == null) {
            return key;
        }
        try {
            PrivateKey translated = (PrivateKey) KeyFactory.getInstance("EC", provider).translateKey(key);
            return translated instanceof ECPrivateKey ec ? ec : key;
        } catch (GeneralSecurityException e) {
            return key;
        }
    }
}
