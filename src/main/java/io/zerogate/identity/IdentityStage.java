package io.zerogate.identity;

import io.zerogate.chain.Decision;
import io.zerogate.chain.Exchange;
import io.zerogate.chain.ReasonCode;
import io.zerogate.chain.RequestHead;
import io.zerogate.chain.Stage;
import io.zerogate.config.CompiledRoute;
import io.zerogate.config.IdentityConfig;
import io.zerogate.config.RouteAuthentication;
import io.zerogate.config.RouteRequirements;
import io.zerogate.identity.dpop.DpopCheck;
import io.zerogate.identity.jwt.JwtAuthenticator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.jspecify.annotations.Nullable;

/**
 * The identity step of the chain: turns the request's one credential into a {@link Subject}, or refuses.
 * A token is verified (a JWT against its issuer's keys, an opaque token by introspection), its sender
 * constraint is checked (the client certificate of RFC 8705, the DPoP proof of RFC 9449), the route's demand
 * for a bound token is enforced, and the inbound credential is removed from the forwarded request unless the
 * route forwards it. Routes that do not authenticate pass untouched.
 */
public final class IdentityStage implements Stage {

    private static final CompletableFuture<Decision> PROCEED = CompletableFuture.completedFuture(Decision.proceed());

    private final Authenticators authenticators;

    public IdentityStage(Authenticators authenticators) {
        this.authenticators = authenticators;
    }

    @Override
    public boolean actsOn(CompiledRoute route) {
        return route.config().authenticate().required();
    }

    @Override
    public CompletionStage<Decision> evaluate(Exchange exchange) {
        RouteAuthentication route = exchange.route().config().authenticate();
        if (!route.required()) {
            return PROCEED;
        }
        IdentityConfig config = authenticators.config();
        String apiKeyHeader = config.apiKeys() == null ? null : config.apiKeys().header();
        PresentedCredential credential = PresentedCredential.read(exchange.request(), route, apiKeyHeader);
        return switch (credential) {
            case PresentedCredential.None none -> refused(exchange, ReasonCode.CREDENTIAL_MISSING, "no credential presented", false);
            case PresentedCredential.Unusable u -> refused(exchange, u.reason(), u.detail(), false);
            case PresentedCredential.ApiKey key -> apiKey(exchange, key);
            case PresentedCredential.Token token -> token(exchange, token);
        };
    }

    private CompletionStage<Decision> apiKey(Exchange exchange, PresentedCredential.ApiKey key) {
        RouteAuthentication route = exchange.route().config().authenticate();
        if (!route.methods().contains(IdentityConfig.API_KEY) || authenticators.apiKeys() == null) {
            return refused(exchange, ReasonCode.CREDENTIAL_NOT_ACCEPTED, "route does not accept API keys", false);
        }
        Verification v = authenticators.apiKeys().authenticate(key.key());
        if (v instanceof Verification.Refused r) {
            return refused(exchange, r.reason(), r.detail(), false);
        }
        Subject subject = ((Verification.Accepted) v).subject();
        RouteRequirements.BoundToken bound = exchange.route().config().require().boundToken();
        if (bound != RouteRequirements.BoundToken.NONE) {
            return refused(exchange, ReasonCode.BOUND_TOKEN_REQUIRED, "route requires a sender-constrained token; an API key is not one", false);
        }
        exchange.put(Subject.KEY, subject);
        if (!route.forwardCredentials()) {
            String header = authenticators.config().apiKeys().header();
            exchange.upstreamEdits().removeHeader(header);
            if (key.fromQuery()) {
                exchange.upstreamEdits().removeQueryParameter(route.apiKeyQuery());
            }
        }
        return PROCEED;
    }

    private CompletionStage<Decision> token(Exchange exchange, PresentedCredential.Token token) {
        RouteAuthentication route = exchange.route().config().authenticate();
        List<String> issuers = route.methods().stream().filter(m -> !m.equals(IdentityConfig.API_KEY)).toList();
        if (issuers.isEmpty()) {
            return refused(exchange, ReasonCode.CREDENTIAL_NOT_ACCEPTED, "route accepts only API keys", token.dpop());
        }
        CompletionStage<Verification> verification;
        if (JwtAuthenticator.looksLikeJwt(token.token())) {
            verification = authenticators.jwt().authenticate(token.token(), issuers);
        } else {
            var introspector = authenticators.introspector(issuers);
            if (introspector == null) {
                return refused(exchange, ReasonCode.TOKEN_MALFORMED, "token is not a JWT and no issuer of the route introspects opaque tokens", token.dpop());
            }
            verification = introspector.introspect(token.token());
        }
        return onLoop(exchange, verification, v -> {
            if (v instanceof Verification.Refused r) {
                return refused(exchange, r.reason(), r.detail(), token.dpop());
            }
            return bound(exchange, token, ((Verification.Accepted) v).subject());
        });
    }

    /** The sender constraint: a bound token only from its holder, and the route's demand for one. */
    private CompletionStage<Decision> bound(Exchange exchange, PresentedCredential.Token token, Subject subject) {
        TokenBinding binding = subject.binding();
        RouteRequirements.BoundToken demand = exchange.route().config().require().boundToken();
        boolean demandMet = switch (demand) {
            case NONE -> true;
            case ANY -> binding.kind() != TokenBinding.Kind.NONE;
            case CERTIFICATE -> binding.kind() == TokenBinding.Kind.CERTIFICATE;
            case DPOP -> binding.kind() == TokenBinding.Kind.DPOP;
        };
        if (!demandMet) {
            return refused(exchange, ReasonCode.BOUND_TOKEN_REQUIRED,
                    "route requires a " + demand.name().toLowerCase(java.util.Locale.ROOT) + "-bound token; the token is "
                            + (binding.kind() == TokenBinding.Kind.NONE ? "not bound" : "bound to a " + binding.kind().name().toLowerCase(java.util.Locale.ROOT)),
                    token.dpop());
        }
        if (binding.kind() == TokenBinding.Kind.DPOP) {
            if (!token.dpop()) {
                // RFC 9449 section 7.2: a DPoP-bound token presented as a plain bearer token is a stolen-token pattern.
                return refused(exchange, ReasonCode.TOKEN_BINDING_MISMATCH, "DPoP-bound token presented with the Bearer scheme", true);
            }
            List<String> proofs = exchange.request().headers("dpop");
            if (proofs.size() > 1) {
                return refused(exchange, ReasonCode.DPOP_PROOF_INVALID, "more than one DPoP header", true);
            }
            String proof = proofs.isEmpty() ? null : proofs.get(0);
            RequestHead request = exchange.request();
            return onLoop(exchange,
                    authenticators.dpop().verify(proof, request.method(), requestUris(request), token.token(), binding.thumbprint()),
                    check -> switch (check) {
                        case DpopCheck.Valid valid -> accepted(exchange, subject);
                        case DpopCheck.Invalid invalid -> refused(exchange, invalid.reason(), invalid.detail(), true);
                        case DpopCheck.NonceRequired nonce -> CompletableFuture.completedFuture(
                                Challenges.refuse(ReasonCode.DPOP_NONCE_REQUIRED, nonce.detail(), exchange.route().id(), true,
                                        authenticators.config().dpop().algorithms(), null).withHeader("DPoP-Nonce", nonce.nonce()));
                    });
        }
        if (token.dpop()) {
            return refused(exchange, ReasonCode.TOKEN_BINDING_MISMATCH, "DPoP scheme used with a token that is not DPoP-bound", true);
        }
        if (binding.kind() == TokenBinding.Kind.CERTIFICATE) {
            ClientCertificate certificate = exchange.get(ClientCertificate.KEY);
            if (certificate == null) {
                return refused(exchange, ReasonCode.TOKEN_BINDING_MISMATCH, "certificate-bound token presented without a client certificate", false);
            }
            if (!java.security.MessageDigest.isEqual(certificate.thumbprint().getBytes(java.nio.charset.StandardCharsets.US_ASCII),
                    binding.thumbprint().getBytes(java.nio.charset.StandardCharsets.US_ASCII))) {
                return refused(exchange, ReasonCode.TOKEN_BINDING_MISMATCH, "token is bound to another client certificate", false);
            }
        }
        return accepted(exchange, subject);
    }

    /**
     * Continues with {@code next} once {@code answer} is there: at once when it already is, otherwise on the
     * exchange's event loop, so that what {@code next} attaches is attached by the exchange's own thread (also
     * when the answer arrives after the chain has given up waiting).
     */
    private static <T> CompletionStage<Decision> onLoop(Exchange exchange, CompletionStage<T> answer,
                                                        java.util.function.Function<T, CompletionStage<Decision>> next) {
        if (answer instanceof CompletableFuture<T> f && f.isDone()) {
            return f.thenCompose(next);
        }
        return answer.thenComposeAsync(next, exchange.loop());
    }

    private CompletionStage<Decision> accepted(Exchange exchange, Subject subject) {
        exchange.put(Subject.KEY, subject);
        if (!exchange.route().config().authenticate().forwardCredentials()) {
            exchange.upstreamEdits().removeHeader("authorization");
            exchange.upstreamEdits().removeHeader("dpop");
        }
        return PROCEED;
    }

    /**
     * The request's URI for a DPoP proof's {@code htu}, without query or fragment: as the client sent it, and as
     * the gateway normalised it (the resource it authorises and forwards to). A proof may name either.
     */
    private static List<String> requestUris(RequestHead request) {
        String authority = request.header("host");
        String base = request.scheme() + "://" + (authority == null ? request.host() : authority);
        String raw = request.rawPath();
        return raw.equals(request.path()) ? List.of(base + raw) : List.of(base + raw, base + request.path());
    }

    private CompletionStage<Decision> refused(Exchange exchange, ReasonCode reason, String detail, boolean usedDpop) {
        RouteAuthentication route = exchange.route().config().authenticate();
        boolean dpop = usedDpop || exchange.route().config().require().boundToken() == RouteRequirements.BoundToken.DPOP;
        @Nullable String apiKeyOnly = route.methods().equals(List.of(IdentityConfig.API_KEY)) && authenticators.config().apiKeys() != null
                ? authenticators.config().apiKeys().header() : null;
        return CompletableFuture.completedFuture(Challenges.refuse(reason, detail, exchange.route().id(), dpop,
                authenticators.config().dpop().algorithms(), apiKeyOnly));
    }
}
