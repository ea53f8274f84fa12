package io.zerogate.config;

import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * A table of policy test cases ({@code zerogate policy test FILE}): requests with the caller, device and network
 * they come from, and the decision each must get from the routes of a configuration. Least privilege as code that
 * can be reviewed, and run in CI.
 *
 * @param source where the table came from
 * @param config the configuration the cases run against (relative paths resolved against the table's directory),
 *               or null when the command names it
 * @param cases  the cases, in file order
 */
public record PolicyCases(String source, @Nullable Path config, List<Case> cases) {

    public PolicyCases {
        Objects.requireNonNull(source, "source");
        cases = List.copyOf(cases);
    }

    /**
     * One case.
     *
     * @param name     what the case shows, unique in the table
     * @param line     line of the case in the table
     * @param request  the request
     * @param subject  the authenticated caller, or null for an anonymous one
     * @param device   the verified device, or null for none
     * @param client   the client address the gateway decides on
     * @param now      the time the case runs at, or null for the current time
     * @param owner    what the owner service answers for the object: its owners, empty when it knows no owner,
     *                 or null when the case does not say (then a route with an ownership lookup cannot be tested)
     * @param decision what the external decision point answers, or null when the case does not say
     * @param expect   the decision the case must get
     */
    public record Case(String name, int line, Request request, @Nullable SubjectSpec subject, @Nullable DeviceSpec device,
                       String client, @Nullable Instant now, @Nullable List<String> owner, @Nullable Boolean decision,
                       Expect expect) {
        public Case {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(request, "request");
            Objects.requireNonNull(client, "client");
            owner = owner == null ? null : List.copyOf(owner);
            Objects.requireNonNull(expect, "expect");
        }
    }

    /** The request of a case; header names lower-cased. */
    public record Request(String method, String host, String path, @Nullable String query,
                          Map<String, List<String>> headers) {
        public Request {
            Objects.requireNonNull(method, "method");
            Objects.requireNonNull(host, "host");
            Objects.requireNonNull(path, "path");
            headers = Map.copyOf(headers);
        }
    }

    /**
     * The caller of a case, as the identity stage would have established it.
     *
     * @param kind    {@code user}, {@code workload} or {@code api_key}
     * @param amr     authentication methods; {@code mfa: true} in the table stands for {@code [pwd, otp]}
     * @param binding {@code none}, {@code mtls} or {@code dpop}
     */
    public record SubjectSpec(String id, String kind, @Nullable String issuer, List<String> scopes, List<String> roles,
                              Map<String, Object> claims, List<String> amr, @Nullable String acr,
                              @Nullable Instant authTime, String binding) {
        public SubjectSpec {
            Objects.requireNonNull(id, "id");
            Objects.requireNonNull(kind, "kind");
            scopes = List.copyOf(scopes);
            roles = List.copyOf(roles);
            claims = Map.copyOf(claims);
            amr = List.copyOf(amr);
            Objects.requireNonNull(binding, "binding");
        }
    }

    /** The device of a case, as the posture stage would have established it. */
    public record DeviceSpec(String id, @Nullable String user, boolean managed, boolean compliant, boolean diskEncrypted,
                             String os, String osVersion, String patchLevel, boolean edrRunning,
                             @Nullable Instant checkedAt) {
        public DeviceSpec {
            Objects.requireNonNull(id, "id");
            Objects.requireNonNull(os, "os");
            Objects.requireNonNull(osVersion, "osVersion");
            Objects.requireNonNull(patchLevel, "patchLevel");
        }
    }

    /**
     * The decision a case must get.
     *
     * @param allow  true when the request must be let through
     * @param reason the reason code a refusal must carry, or null for any
     * @param rule   the rule id a refusal must name, or null for any
     */
    public record Expect(boolean allow, @Nullable String reason, @Nullable String rule) {

        /** How the table writes it. */
        public String describe() {
            if (allow) {
                return "allow";
            }
            return "deny" + (reason == null ? "" : " " + reason) + (rule == null ? "" : " (rule " + rule + ")");
        }
    }
}
