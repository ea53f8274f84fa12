package io.zerogate.server;

import io.netty.handler.codec.http.HttpHeaders;
import io.zerogate.chain.RequestHead;
import java.util.List;
import org.jspecify.annotations.Nullable;

/** The chain's view of a Netty request head: no copy of the headers is made. */
final class NettyRequestHead implements RequestHead {

    private final String method;
    private final String scheme;
    private final String host;
    private final String path;
    private final @Nullable String query;
    private final HttpHeaders headers;
    private final String target;

    /** @param target the request target as received (origin or absolute form), before any rewriting */
    NettyRequestHead(String method, String scheme, String host, String path, @Nullable String query, HttpHeaders headers,
                     String target) {
        this.target = target;
        this.method = method;
        this.scheme = scheme;
        this.host = host;
        this.path = path;
        this.query = query;
        this.headers = headers;
    }

    @Override
    public String method() {
        return method;
    }

    @Override
    public String scheme() {
        return scheme;
    }

    @Override
    public String host() {
        return host;
    }

    @Override
    public String path() {
        return path;
    }

    @Override
    public String rawPath() {
        int start = 0;
        if (!target.startsWith("/")) {
            // Absolute form: the path starts after scheme://authority (the head check accepted only http(s)).
            int scheme = target.indexOf("://");
            int slash = scheme < 0 ? -1 : target.indexOf('/', scheme + 3);
            if (slash < 0) {
                return "/";
            }
            start = slash;
        }
        int end = target.length();
        for (int i = start; i < target.length(); i++) {
            char c = target.charAt(i);
            if (c == '?' || c == '#') {
                end = i;
                break;
            }
        }
        return target.substring(start, end);
    }

    @Override
    public @Nullable String query() {
        return query;
    }

    @Override
    public @Nullable String header(String name) {
        return headers.get(name);
    }

    @Override
    public List<String> headers(String name) {
        return headers.getAll(name);
    }

    @Override
    public List<String> headerNames() {
        java.util.Set<String> names = new java.util.LinkedHashSet<>();
        for (String name : headers.names()) {
            names.add(name.toLowerCase(java.util.Locale.ROOT));
        }
        return List.copyOf(names);
    }
}
