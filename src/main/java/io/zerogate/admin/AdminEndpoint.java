package io.zerogate.admin;

import io.netty.handler.codec.http.HttpMethod;
import java.util.List;
import org.jspecify.annotations.Nullable;

/** The admin listener's endpoints: where each is, which methods it answers, and who may call it. */
enum AdminEndpoint {

    HEALTH("/healthz", Access.OPEN, HttpMethod.GET, HttpMethod.HEAD),
    READINESS("/readyz", Access.OPEN, HttpMethod.GET, HttpMethod.HEAD),
    /** Public keys are public: services fetch them to verify identity assertions. */
    JWKS("/.well-known/jwks.json", Access.OPEN, HttpMethod.GET, HttpMethod.HEAD),
    METRICS("/metrics", Access.METRICS, HttpMethod.GET, HttpMethod.HEAD),
    CONFIG("/admin/config", Access.AUTHENTICATED, HttpMethod.GET, HttpMethod.HEAD),
    RELOAD("/admin/reload", Access.AUTHENTICATED, HttpMethod.POST),
    INCIDENTS("/admin/incidents", Access.AUTHENTICATED, HttpMethod.GET, HttpMethod.HEAD),
    AUDIT_TAIL("/admin/audit/tail", Access.AUTHENTICATED, HttpMethod.GET),
    QUOTAS("/admin/limits/quotas", Access.AUTHENTICATED, HttpMethod.GET, HttpMethod.HEAD),
    KEYS("/admin/keys", Access.AUTHENTICATED, HttpMethod.GET, HttpMethod.HEAD),
    BLOCKS("/admin/blocks", Access.AUTHENTICATED, HttpMethod.GET, HttpMethod.HEAD, HttpMethod.POST, HttpMethod.DELETE);

    /** Who may call an endpoint. */
    enum Access {
        /** Anyone who reaches the listener. */
        OPEN,
        /** Credentials, unless {@code admin.public} lists {@code metrics}. */
        METRICS,
        /** A configured token or a verified admin client certificate. */
        AUTHENTICATED
    }

    private final String path;
    private final Access access;
    private final List<HttpMethod> methods;
    private final String allow;

    AdminEndpoint(String path, Access access, HttpMethod... methods) {
        this.path = path;
        this.access = access;
        this.methods = List.of(methods);
        this.allow = String.join(", ", this.methods.stream().map(HttpMethod::name).toList());
    }

    static @Nullable AdminEndpoint at(String path) {
        for (AdminEndpoint e : values()) {
            if (e.path.equals(path)) {
                return e;
            }
        }
        return null;
    }

    String path() {
        return path;
    }

    Access access() {
        return access;
    }

    boolean answers(HttpMethod method) {
        return methods.contains(method);
    }

    /** The {@code Allow} value of a 405. */
    String allow() {
        return allow;
    }
}
