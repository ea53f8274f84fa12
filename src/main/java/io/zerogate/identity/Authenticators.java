package io.zerogate.identity;

import io.zerogate.config.ApiKeysConfig;
import io.zerogate.config.IdentityConfig;
import io.zerogate.config.IssuerConfig;
import io.zerogate.identity.apikey.ApiKeyStore;
import io.zerogate.identity.assertion.AssertionSigner;
import io.zerogate.identity.dpop.DpopVerifier;
import io.zerogate.identity.introspect.Introspector;
import io.zerogate.identity.jwt.JwksCache;
import io.zerogate.identity.jwt.JwtAuthenticator;
import io.zerogate.identity.jwt.JwtVerifier;
import io.zerogate.state.StateStore;
import java.net.URI;
import java.net.http.HttpClient;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Everything that checks credentials, built from the {@code identity} section: per issuer a key cache, a
 * verifier and an introspector; the API key store; the DPoP verifier with its replay cache in the gateway's state
 * store (which the gateway owns and closes); the
 * signer of identity assertions. On reload, the parts whose configuration did not change are carried over
 * (keys stay cached, DPoP nonces stay good, the assertion key stays the same); the rest are built anew and the old
 * ones closed.
 */
public final class Authenticators implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(Authenticators.class);

    private final IdentityConfig config;
    private final Map<KeyLocation, JwksCache> keyCaches;
    private final JwtAuthenticator jwt;
    private final Map<String, Introspector> introspectors;
    private final @Nullable ApiKeyStore apiKeys;
    private final StateStore state;
    private final DpopVerifier dpop;
    private final @Nullable AssertionSigner signer;

    /**
     * What an issuer's key cache depends on: where the keys are and how they are kept. The rest of an issuer
     * (audiences, claim rules, the line it is written on) may change on reload without dropping the keys already
     * held, which matters most when the issuer cannot be reached at that moment.
     */
    private record KeyLocation(String name, String issuer, @Nullable URI jwksUri, Duration refresh, Duration cooldown,
                               Duration maxStaleness, Duration fetchTimeout) {

        static KeyLocation of(IssuerConfig issuer) {
            return new KeyLocation(issuer.name(), issuer.issuer(), issuer.jwksUri(), issuer.jwksRefresh(),
                    issuer.jwksCooldown(), issuer.jwksMaxStaleness(), issuer.fetchTimeout());
        }
    }

    private Authenticators(IdentityConfig config, Map<KeyLocation, JwksCache> keyCaches,
                           JwtAuthenticator jwt, Map<String, Introspector> introspectors, @Nullable ApiKeyStore apiKeys,
                           StateStore state, DpopVerifier dpop, @Nullable AssertionSigner signer) {
        this.config = config;
        this.keyCaches = keyCaches;
        this.jwt = jwt;
        this.introspectors = introspectors;
        this.apiKeys = apiKeys;
        this.state = state;
        this.dpop = dpop;
        this.signer = signer;
    }

    /**
     * Builds the verifiers for a configuration.
     *
     * @param previous the verifiers of the configuration being replaced, whose unchanged parts are reused; the
     *                 caller closes it with {@link #closeReplaced(Authenticators)} once the new one is live
     */
    public static Authenticators build(IdentityConfig config, StateStore state, @Nullable Authenticators previous,
                                       HttpClient http, ScheduledExecutorService scheduler, Clock clock) throws Exception {
        Map<KeyLocation, JwksCache> caches = new LinkedHashMap<>();
        ApiKeyStore apiKeys = null;
        try {
            Map<String, JwtVerifier> verifiers = new HashMap<>();
            Map<String, Introspector> introspectors = new HashMap<>();
            for (IssuerConfig issuer : config.issuers()) {
                KeyLocation location = KeyLocation.of(issuer);
                JwksCache cache = previous == null ? null : previous.keyCaches.get(location);
                if (cache == null) {
                    cache = new JwksCache(issuer, http, clock, scheduler);
                }
                caches.put(location, cache);
                verifiers.put(issuer.name(), new JwtVerifier(issuer, cache, clock));
                if (issuer.introspection() != null) {
                    introspectors.put(issuer.name(), new Introspector(issuer, http, clock));
                }
            }
            JwtAuthenticator jwt = new JwtAuthenticator(verifiers, config.tokenCacheSize(), clock);
            ApiKeysConfig keysConfig = config.apiKeys();
            if (keysConfig != null) {
                apiKeys = previous != null && keysConfig.equals(previous.config.apiKeys()) ? previous.apiKeys
                        : ApiKeyStore.open(keysConfig, clock);
            }
            AssertionSigner signer = null;
            if (config.assertion().enabled()) {
                signer = previous != null && previous.signer != null && config.assertion().equals(previous.config.assertion())
                        ? previous.signer : AssertionSigner.create(config.assertion(), clock);
            }
            // Carried over so that the nonces it issued (keyed by a per-process secret unless nonce_secret is set) stay good.
            DpopVerifier dpop = previous != null && previous.state == state && config.dpop().equals(previous.config.dpop())
                    ? previous.dpop : new DpopVerifier(config.dpop(), state, clock);
            return new Authenticators(config, caches, jwt, introspectors, apiKeys, state, dpop, signer);
        } catch (Exception e) {
            // A configuration that cannot be built leaves nothing running behind it (a key file watcher); what the
            // configuration in force uses stays open.
            for (Map.Entry<KeyLocation, JwksCache> c : caches.entrySet()) {
                if (previous == null || previous.keyCaches.get(c.getKey()) != c.getValue()) {
                    c.getValue().close();
                }
            }
            if (apiKeys != null && (previous == null || apiKeys != previous.apiKeys)) {
                apiKeys.close();
            }
            throw e;
        }
    }

    /**
     * Fetches every issuer's keys, waiting at most {@code bound}. An issuer whose keys cannot be fetched is
     * logged; its tokens are refused until they can (the caches keep trying).
     */
    public void awaitKeys(Duration bound) throws InterruptedException {
        List<CompletableFuture<Void>> starts = new ArrayList<>();
        for (Map.Entry<KeyLocation, JwksCache> e : keyCaches.entrySet()) {
            String name = e.getKey().name();
            starts.add(e.getValue().start().toCompletableFuture().handle((ok, failure) -> {
                if (failure != null) {
                    log.warn("keys of issuer {} could not be fetched yet; its tokens are refused until they are: {}", name,
                            failure.getCause() != null ? failure.getCause().getMessage() : failure.getMessage());
                }
                return null;
            }));
        }
        try {
            CompletableFuture.allOf(starts.toArray(CompletableFuture[]::new)).get(bound.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            log.warn("issuer keys not all fetched within {}; affected tokens are refused until they are", bound);
        } catch (java.util.concurrent.ExecutionException e) {
            throw new IllegalStateException(e.getCause());
        }
    }

    /** How many times each issuer's keys were fetched, by issuer name. */
    public Map<String, java.util.function.LongSupplier> keyFetches() {
        Map<String, java.util.function.LongSupplier> out = new LinkedHashMap<>();
        keyCaches.forEach((issuer, cache) -> out.put(issuer.name(), cache::fetches));
        return out;
    }

    public IdentityConfig config() {
        return config;
    }

    public JwtAuthenticator jwt() {
        return jwt;
    }

    /** The introspector of the first of these issuers that has one, or null. */
    public @Nullable Introspector introspector(Collection<String> issuerNames) {
        for (String name : issuerNames) {
            Introspector i = introspectors.get(name);
            if (i != null) {
                return i;
            }
        }
        return null;
    }

    public @Nullable ApiKeyStore apiKeys() {
        return apiKeys;
    }

    public DpopVerifier dpop() {
        return dpop;
    }

    public @Nullable AssertionSigner signer() {
        return signer;
    }

    /** The public keys of the identity assertions, as a JWK set document; an empty set when they are disabled. */
    public String assertionKeys() {
        return signer == null ? "{\"keys\":[]}" : signer.jwksJson();
    }

    /** Closes what {@code replaced} had and this one did not carry over. */
    public void closeReplaced(Authenticators replaced) {
        for (Map.Entry<KeyLocation, JwksCache> e : replaced.keyCaches.entrySet()) {
            if (keyCaches.get(e.getKey()) != e.getValue()) {
                e.getValue().close();
            }
        }
        if (replaced.apiKeys != null && replaced.apiKeys != apiKeys) {
            replaced.apiKeys.close();
        }
    }

    @Override
    public void close() {
        keyCaches.values().forEach(JwksCache::close);
        if (apiKeys != null) {
            apiKeys.close();
        }
    }
}
