package io.zerogate.server;

import io.netty.handler.codec.http.HttpHeaders;
import io.netty.util.AsciiString;
import io.netty.util.NetUtil;
import io.zerogate.chain.ClientAddress;
import io.zerogate.network.CidrSet;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * The forwarding headers of one client connection, trusted only from trusted proxies. From any other peer, incoming
 * {@code X-Forwarded-*} and {@code Forwarded} headers are replaced, never extended, so a client cannot
 * plant an address that later stages would believe.
 */
final class ForwardedHeaders {

    static final AsciiString X_FORWARDED_FOR = AsciiString.cached("x-forwarded-for");
    static final AsciiString X_FORWARDED_PROTO = AsciiString.cached("x-forwarded-proto");
    static final AsciiString FORWARDED = AsciiString.cached("forwarded");
    static final AsciiString X_FORWARDED_HOST = AsciiString.cached("x-forwarded-host");
    static final AsciiString X_REAL_IP = AsciiString.cached("x-real-ip");
    /** Headers some frameworks route by instead of the request line: never passed on. */
    private static final AsciiString X_ORIGINAL_URL = AsciiString.cached("x-original-url");
    private static final AsciiString X_REWRITE_URL = AsciiString.cached("x-rewrite-url");

    /**
     * The client behind a trusted proxy: the right-most address in {@code X-Forwarded-For} (or
     * {@code Forwarded: for=}) that is not itself a trusted proxy. A malformed entry stops the walk, and the
     * entry before it (a trusted proxy) is what we know. {@code unforwarded} is the connection's peer alone, what
     * a request from an untrusted peer gets.
     */
    static ClientAddress clientAddress(ClientAddress unforwarded, HttpHeaders headers, CidrSet trusted) {
        InetSocketAddress peer = unforwarded.direct();
        if (trusted.isEmpty() || !trusted.contains(peer.getAddress())) {
            return unforwarded;
        }
        List<String> xff = headers.getAll(X_FORWARDED_FOR);
        InetAddress found = null;
        if (!xff.isEmpty()) {
            found = walk(xff, trusted, false);
        } else {
            List<String> fwd = headers.getAll(FORWARDED);
            if (!fwd.isEmpty()) {
                found = walk(fwd, trusted, true);
            }
        }
        return new ClientAddress(peer, found);
    }

    private static @Nullable InetAddress walk(List<String> values, CidrSet trusted, boolean forwardedSyntax) {
        InetAddress last = null;
        for (int v = values.size() - 1; v >= 0; v--) {
            String[] entries = values.get(v).split(",");
            for (int i = entries.length - 1; i >= 0; i--) {
                String token = forwardedSyntax ? forParameter(entries[i]) : entries[i].strip();
                InetAddress a = token == null ? null : literal(token);
                if (a == null) {
                    return last;
                }
                if (!trusted.contains(a)) {
                    return a;
                }
                last = a;
            }
        }
        return last;
    }

    private static @Nullable String forParameter(String element) {
        for (String pair : element.split(";")) {
            String p = pair.strip();
            if (p.regionMatches(true, 0, "for=", 0, 4)) {
                String v = p.substring(4);
                if (v.length() >= 2 && v.charAt(0) == '"' && v.charAt(v.length() - 1) == '"') {
                    v = v.substring(1, v.length() - 1);
                }
                return v;
            }
        }
        return null;
    }

    /** An IP literal, optionally bracketed and with a port; never a name lookup. */
    static @Nullable InetAddress literal(String token) {
        String t = token;
        if (t.startsWith("[")) {
            int close = t.indexOf(']');
            if (close < 0) {
                return null;
            }
            t = t.substring(1, close);
        } else if (t.indexOf(':') > 0 && t.indexOf(':') == t.lastIndexOf(':') && t.indexOf('.') > 0) {
            t = t.substring(0, t.indexOf(':'));
        }
        byte[] bytes = NetUtil.createByteArrayFromIpAddressString(t);
        if (bytes == null) {
            return null;
        }
        try {
            return InetAddress.getByAddress(bytes);
        } catch (UnknownHostException e) {
            return null;
        }
    }

    private final AsciiString peerIp;
    private final AsciiString scheme;
    /** This connection's own {@code Forwarded} element up to the host: {@code for=...;proto=...}. */
    private final String forwardedElement;
    private final java.net.InetAddress peerAddress;

    /** The forwarding facts of one client connection, worked out once for all its requests. */
    ForwardedHeaders(InetSocketAddress peer, String scheme) {
        this.peerAddress = peer.getAddress();
        String ip = NetUtil.toAddressString(peer.getAddress());
        this.peerIp = new AsciiString(ip);
        this.scheme = AsciiString.cached(scheme);
        String forIp = peer.getAddress() instanceof java.net.Inet6Address ? "\"[" + ip + "]\"" : ip;
        this.forwardedElement = "for=" + forIp + ";proto=" + scheme;
    }

    /** Writes the forwarding headers the upstream receives. */
    void apply(HttpHeaders headers, boolean peerTrusted, InetAddress client, @Nullable String host) {
        // The upstream must route by the path the gateway checked, and learn the client only from the gateway.
        headers.remove(X_ORIGINAL_URL);
        headers.remove(X_REWRITE_URL);
        headers.set(X_REAL_IP, client.equals(peerAddress) ? peerIp : NetUtil.toAddressString(client));
        String prior = peerTrusted ? joined(headers, X_FORWARDED_FOR) : null;
        headers.set(X_FORWARDED_FOR, prior == null ? peerIp : prior + ", " + peerIp);
        if (!peerTrusted || !headers.contains(X_FORWARDED_PROTO)) {
            headers.set(X_FORWARDED_PROTO, scheme);
        }
        if (!peerTrusted || !headers.contains(X_FORWARDED_HOST)) {
            if (host != null) {
                headers.set(X_FORWARDED_HOST, host);
            } else {
                headers.remove(X_FORWARDED_HOST);
            }
        }
        String element = host == null ? forwardedElement : forwardedElement + ";host=\"" + host + '"';
        String priorFwd = peerTrusted ? joined(headers, FORWARDED) : null;
        headers.set(FORWARDED, priorFwd == null ? element : priorFwd + ", " + element);
    }

    private static @Nullable String joined(HttpHeaders headers, CharSequence name) {
        List<String> all = headers.getAll(name);
        if (all.isEmpty()) {
            return null;
        }
        return all.size() == 1 ? all.get(0) : String.join(", ", all);
    }
}
