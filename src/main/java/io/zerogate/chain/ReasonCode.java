package io.zerogate.chain;

/**
 * Every reason the gateway can give for not forwarding a request: a closed set, so that metrics, audit
 * records and dashboards can rely on it. Each carries the HTTP status it maps to, a stable snake_case code
 * and a title that is safe to show to any client.
 */
public enum ReasonCode {
    MALFORMED_REQUEST(400, "malformed_request", "The request could not be parsed."),
    AMBIGUOUS_FRAMING(400, "ambiguous_framing", "The request's message framing is ambiguous."),
    INVALID_HEADER(400, "invalid_header", "The request contains an invalid header field."),
    PATH_REJECTED(400, "path_rejected", "The request path is not acceptable."),
    HOST_REJECTED(400, "host_rejected", "The request's Host is missing or invalid."),
    URI_TOO_LONG(414, "uri_too_long", "The request line is too long."),
    HEADERS_TOO_LARGE(431, "headers_too_large", "The request header section is too large."),
    EXPECTATION_FAILED(417, "expectation_failed", "The request's expectation cannot be met."),
    REQUEST_TIMEOUT(408, "request_timeout", "The request was not received in time."),
    NO_ROUTE(404, "no_route", "No route matches this request."),
    METHOD_NOT_ALLOWED(405, "method_not_allowed", "The route does not accept this method."),
    NO_RULE(403, "no_rule", "No rule allows this request."),
    NETWORK_DENIED(403, "network_denied", "Requests from this network are not allowed."),
    CLIENT_BLOCKED(403, "client_blocked", "This client is blocked."),
    CLIENT_CERTIFICATE_REQUIRED(401, "client_certificate_required", "A client certificate is required."),
    CLIENT_CERTIFICATE_REJECTED(403, "client_certificate_rejected", "The client certificate is not acceptable."),
    CALLER_NOT_ALLOWED(403, "caller_not_allowed", "The caller may not reach this service."),
    CREDENTIAL_MISSING(401, "credential_missing", "The request carries no credential."),
    CREDENTIAL_AMBIGUOUS(400, "credential_ambiguous", "The request carries more than one credential."),
    CREDENTIAL_NOT_ACCEPTED(401, "credential_not_accepted", "This kind of credential is not accepted here."),
    TOKEN_MALFORMED(401, "token_malformed", "The access token is malformed."),
    TOKEN_INVALID(401, "token_invalid", "The access token could not be verified."),
    TOKEN_EXPIRED(401, "token_expired", "The access token has expired."),
    TOKEN_NOT_YET_VALID(401, "token_not_yet_valid", "The access token is not valid yet."),
    TOKEN_ISSUER_REJECTED(401, "token_issuer_rejected", "The access token's issuer is not accepted here."),
    TOKEN_AUDIENCE_REJECTED(401, "token_audience_rejected", "The access token is not meant for this service."),
    TOKEN_LIFETIME_EXCEEDED(401, "token_lifetime_exceeded", "The access token lives longer than allowed."),
    TOKEN_CLAIMS_REJECTED(401, "token_claims_rejected", "The access token lacks a required claim."),
    TOKEN_INACTIVE(401, "token_inactive", "The access token is not active."),
    IDENTITY_PROVIDER_UNAVAILABLE(503, "identity_provider_unavailable", "The identity provider could not be reached."),
    API_KEY_REJECTED(401, "api_key_rejected", "The API key is not valid."),
    TOKEN_BINDING_MISMATCH(401, "token_binding_mismatch", "The access token is not bound to this client."),
    BOUND_TOKEN_REQUIRED(401, "bound_token_required", "A sender-constrained access token is required."),
    DPOP_PROOF_INVALID(401, "dpop_proof_invalid", "The DPoP proof is not valid."),
    DPOP_PROOF_REPLAYED(401, "dpop_proof_replayed", "The DPoP proof has been used before."),
    DPOP_NONCE_REQUIRED(401, "dpop_nonce_required", "The DPoP proof must carry the server's nonce."),
    INSUFFICIENT_SCOPE(403, "insufficient_scope", "The access token lacks a required scope."),
    STEP_UP_REQUIRED(401, "step_up_required", "A stronger or more recent authentication is required."),
    INSUFFICIENT_ROLE(403, "insufficient_role", "The caller lacks a required role."),
    DEVICE_ATTESTATION_MISSING(403, "device_attestation_missing", "A device attestation is required."),
    DEVICE_ATTESTATION_INVALID(403, "device_attestation_invalid", "The device attestation is not valid."),
    DEVICE_ATTESTATION_EXPIRED(403, "device_attestation_expired", "The device attestation is too old."),
    DEVICE_SUBJECT_MISMATCH(403, "device_subject_mismatch", "The device does not belong to the caller."),
    DEVICE_NOT_MANAGED(403, "device_not_managed", "The device is not managed."),
    DEVICE_NOT_COMPLIANT(403, "device_not_compliant", "The device is not compliant."),
    POSTURE_UNAVAILABLE(503, "posture_unavailable", "The device posture could not be checked."),
    POLICY_DENIED(403, "policy_denied", "A policy does not allow this request."),
    POLICY_ERROR(403, "policy_error", "The request could not be evaluated against policy."),
    OBJECT_NOT_OWNED(403, "object_not_owned", "The caller may not access this object."),
    OWNERSHIP_UNAVAILABLE(503, "ownership_unavailable", "The object's owner could not be checked."),
    DECISION_POINT_UNAVAILABLE(503, "decision_point_unavailable", "The policy decision could not be obtained."),
    RATE_LIMITED(429, "rate_limited", "Too many requests; retry later."),
    QUOTA_EXCEEDED(429, "quota_exceeded", "The request quota for this period is used up."),
    CONCURRENCY_LIMITED(429, "concurrency_limited", "Too many requests are in progress."),
    STATE_UNAVAILABLE(503, "state_unavailable", "The request could not be checked against shared state."),
    STAGE_ERROR(500, "stage_error", "The request could not be verified."),
    STAGE_TIMEOUT(503, "stage_timeout", "The request could not be verified in time."),
    STAGE_NO_DECISION(500, "stage_no_decision", "The request could not be verified."),
    UPSTREAM_UNAVAILABLE(503, "upstream_unavailable", "No healthy upstream target is available."),
    UPSTREAM_CONNECT_FAILED(502, "upstream_connect_failed", "The upstream service could not be reached."),
    UPSTREAM_TIMEOUT(504, "upstream_timeout", "The upstream service did not answer in time."),
    UPSTREAM_TLS_FAILED(502, "upstream_tls_failed", "The upstream service's identity could not be verified."),
    UPSTREAM_PROTOCOL_ERROR(502, "upstream_protocol_error", "The upstream service sent an invalid response."),
    AUDIT_UNAVAILABLE(503, "audit_unavailable", "The request cannot be recorded now; retry later.");

    private final int status;
    private final String code;
    private final String title;

    ReasonCode(int status, String code, String title) {
        this.status = status;
        this.code = code;
        this.title = title;
    }

    /** The HTTP status a denial for this reason gets. */
    public int status() {
        return status;
    }

    /** The stable machine-readable code, as it appears in problem bodies, metrics and audit records. */
    public String code() {
        return code;
    }

    /** A short description that reveals nothing internal. */
    public String title() {
        return title;
    }
}
