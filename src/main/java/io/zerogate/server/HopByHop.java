package io.zerogate.server;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.util.AsciiString;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/** Removal of hop-by-hop header fields (RFC 9110 section 7.6.1), including those named in Connection. */
final class HopByHop {

    private HopByHop() {}

    /**
     * Strips hop-by-hop fields. {@code Transfer-Encoding} is left to the caller, which owns framing;
     * {@code keepUpgrade} keeps {@code Upgrade} for a protocol switch.
     */
    static void strip(HttpHeaders headers, boolean keepUpgrade) {
        // Most messages carry none of these fields: one pass over the names spares a removal per name.
        if (!anyHopByHop(headers)) {
            return;
        }
        List<String> connection = headers.getAll(HttpHeaderNames.CONNECTION);
        for (String value : connection) {
            int start = 0;
            while (start <= value.length()) {
                int comma = value.indexOf(',', start);
                int end = comma < 0 ? value.length() : comma;
                String token = value.substring(start, end).strip();
                // Framing and Host are never hop-by-hop: naming them in Connection must not change how the
                // upstream delimits the message or which host it serves.
                if (!token.isEmpty() && !token.equalsIgnoreCase("transfer-encoding")
                        && !token.equalsIgnoreCase("content-length") && !token.equalsIgnoreCase("host")
                        && !(keepUpgrade && token.equalsIgnoreCase("upgrade"))) {
                    headers.remove(token);
                }
                start = end + 1;
            }
        }
        headers.remove(HttpHeaderNames.CONNECTION);
        headers.remove(HttpHeaderNames.KEEP_ALIVE);
        headers.remove(HttpHeaderNames.PROXY_CONNECTION);
        headers.remove(HttpHeaderNames.TE);
        headers.remove(HttpHeaderNames.TRAILER);
        headers.remove(HttpHeaderNames.PROXY_AUTHORIZATION);
        headers.remove(HttpHeaderNames.PROXY_AUTHENTICATE);
        if (!keepUpgrade) {
            headers.remove(HttpHeaderNames.UPGRADE);
        }
    }

    private static boolean anyHopByHop(HttpHeaders headers) {
        Iterator<Map.Entry<CharSequence, CharSequence>> fields = headers.iteratorCharSequence();
        while (fields.hasNext()) {
            if (isHopByHop(fields.next().getKey())) {
                return true;
            }
        }
        return false;
    }

    /** True for a field name that {@link #strip} removes whatever {@code Connection} names. */
    static boolean isHopByHop(CharSequence name) {
        AsciiString[] candidates = switch (name.length()) {
            case 2 -> TE;
            case 7 -> TRAILER_OR_UPGRADE;
            case 10 -> CONNECTION_OR_KEEP_ALIVE;
            case 16 -> PROXY_CONNECTION;
            case 18 -> PROXY_AUTHENTICATE;
            case 19 -> PROXY_AUTHORIZATION;
            default -> null;
        };
        if (candidates == null) {
            return false;
        }
        for (AsciiString candidate : candidates) {
            if (candidate.contentEqualsIgnoreCase(name)) {
                return true;
            }
        }
        return false;
    }

    private static final AsciiString[] TE = {HttpHeaderNames.TE};
    private static final AsciiString[] TRAILER_OR_UPGRADE = {HttpHeaderNames.TRAILER, HttpHeaderNames.UPGRADE};
    private static final AsciiString[] CONNECTION_OR_KEEP_ALIVE = {HttpHeaderNames.CONNECTION, HttpHeaderNames.KEEP_ALIVE};
    private static final AsciiString[] PROXY_CONNECTION = {HttpHeaderNames.PROXY_CONNECTION};
    private static final AsciiString[] PROXY_AUTHENTICATE = {HttpHeaderNames.PROXY_AUTHENTICATE};
    private static final AsciiString[] PROXY_AUTHORIZATION = {HttpHeaderNames.PROXY_AUTHORIZATION};

    /**
     * True when the request asks for a switch to WebSocket ({@code Connection: upgrade}, {@code Upgrade: websocket}).
     * Other protocols are never switched to: after an {@code h2c} switch the upstream would read every
     * further request on the connection directly, none of them checked by the gateway.
     */
    static boolean isUpgradeRequest(HttpHeaders headers) {
        List<String> upgrade = headers.getAll(HttpHeaderNames.UPGRADE);
        if (upgrade.size() != 1 || !upgrade.get(0).strip().equalsIgnoreCase("websocket")) {
            return false;
        }
        for (String value : headers.getAll(HttpHeaderNames.CONNECTION)) {
            for (String token : value.split(",")) {
                if (token.strip().equalsIgnoreCase("upgrade")) {
                    return true;
                }
            }
        }
        return false;
    }
}
