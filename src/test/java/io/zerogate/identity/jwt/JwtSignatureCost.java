package io.zerogate.identity.jwt;

import static io.zerogate.identity.jwt.JwtFixtures.EC;
import static io.zerogate.identity.jwt.JwtFixtures.NOW_CLOCK;
import static io.zerogate.identity.jwt.JwtFixtures.RSA;

import io.zerogate.identity.SignatureProviders;
import io.zerogate.identity.Verification;
import java.security.Provider;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * Measures what one uncached token verification costs (syntax, header, signature, claims) with the native
 * provider and with the JDK's, for RS256 and ES256, and what a remembered token costs. Run by hand:
 * {@code java -cp <test classpath> io.zerogate.identity.jwt.JwtSignatureCost [seconds per case]}.
 */
public final class JwtSignatureCost {

    private JwtSignatureCost() {}

    public static void main(String[] args) {
        double seconds = args.length > 0 ? Double.parseDouble(args[0]) : 2;
        Provider nativeProvider = SignatureProviders.preferred();
        System.out.printf("JDK %s, native provider: %s%n", Runtime.version(), SignatureProviders.describe());
        CompletableFuture<KeyLookup> found = CompletableFuture.completedFuture(
                new KeyLookup.Found(List.of(RSA.publicJwk(), EC.publicJwk())));
        KeySource keys = kid -> found;
        for (String alg : List.of("RS256", "ES256")) {
            String token = JwtFixtures.token(alg, alg.equals("RS256") ? RSA : EC);
            for (Provider provider : nativeProvider == null ? new Provider[] {null}
                    : new Provider[] {null, nativeProvider}) {
                JwtVerifier verifier = new JwtVerifier(JwtFixtures.issuer().config(), keys, NOW_CLOCK, provider, null);
                double micros = measure(seconds, () -> verifier.verify(token));
                System.out.printf("%s uncached, %-6s %8.1f µs/verification%n", alg, name(provider), micros);
            }
        }
        JwtAuthenticator authenticator = new JwtAuthenticator(Map.of("corp", new JwtVerifier(
                JwtFixtures.issuer().config(), keys, NOW_CLOCK)), 1000, NOW_CLOCK);
        String token = JwtFixtures.token("RS256", RSA);
        double cached = measure(seconds, () -> authenticator.authenticate(token, List.of("corp")));
        System.out.printf("RS256 remembered (token cache hit)  %8.1f µs/authentication%n", cached);
    }

    private static String name(@Nullable Provider provider) {
        return provider == null ? "jdk" : "native";
    }

    /** Microseconds per call, after as long again spent warming up; every call must accept. */
    private static double measure(double seconds, Supplier<CompletionStage<Verification>> call) {
        long budget = (long) (seconds * 1e9);
        run(budget, call);
        return run(budget, call);
    }

    private static double run(long budgetNanos, Supplier<CompletionStage<Verification>> call) {
        long start = System.nanoTime();
        long calls = 0;
        long elapsed;
        do {
            for (int i = 0; i < 50; i++) {
                if (!(call.get().toCompletableFuture().join() instanceof Verification.Accepted)) {
                    throw new IllegalStateException("a measured token was refused");
                }
            }
            calls += 50;
            elapsed = System.nanoTime() - start;
        } while (elapsed < budgetNanos);
        return elapsed / 1e3 / calls;
    }
}
