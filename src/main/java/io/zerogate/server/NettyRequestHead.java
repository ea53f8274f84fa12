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

    NettyRequestHead(String method, String scheme, String host, String path, @Nullable String query, HttpHeaders headers) {
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
}
