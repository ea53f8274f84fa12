package io.zerogate.config;

/** One upstream target, {@code http://host:port}. {@code authority} is what the Host header carries. */
public record TargetAddress(String scheme, String host, int port) {

    public String authority() {
        String h = host.indexOf(':') >= 0 ? "[" + host + "]" : host;
        return h + ":" + port;
    }

    @Override
    public String toString() {
        return scheme + "://" + authority();
    }
}
