package io.zerogate.config;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.Locale;
import java.util.Objects;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * The address forms the configuration accepts: listen addresses, upstream target URLs and route hosts.
 * Nothing here resolves a name through DNS; loading a configuration never waits on the network.
 */
final class AddressSyntax {

    private static final Pattern DNS_LABEL = Pattern.compile("[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?");
    private static final Pattern DIGITS = Pattern.compile("[0-9]{1,5}");
    private static final String LISTEN_EXPECTED =
            "expected host:port with an IP address, 'localhost' or '*' as host, such as 127.0.0.1:8080 or [::1]:8080";
    private static final String TARGET_EXPECTED = "expected http://host[:port] or https://host[:port]";

    private AddressSyntax() {}

    /** {@code host:port} or {@code [v6]:port}, where host is an IP literal, {@code localhost} or {@code *} (any). */
    static InetSocketAddress listenAddress(ConfigValue value) throws ConfigException {
        String text = value.text();
        int colon = text.lastIndexOf(':');
        if (colon < 0) {
            throw value.error(value.shown() + " has no port (" + LISTEN_EXPECTED + ")");
        }
        String host = text.substring(0, colon);
        int port = port(text.substring(colon + 1), 0);
        InetAddress address;
        if (host.startsWith("[") && host.endsWith("]")) {
            address = ipv6(host.substring(1, host.length() - 1));
        } else if (host.equals("*")) {
            address = ipv4("0.0.0.0");
        } else if (host.equals("localhost")) {
            // Fixed rather than looked up: a hosts file must not be able to move a listener.
            address = ipv4("127.0.0.1");
        } else {
            address = ipv4(host);
        }
        if (address == null || port < 0) {
            throw value.error(value.shown() + " is not a valid listen address (" + LISTEN_EXPECTED + ")");
        }
        return new InetSocketAddress(address, port);
    }

    /** 127.0.0.1 specifically: the JDK's loopback address may be ::1 when IPv6 is preferred. */
    static InetSocketAddress ipv4Loopback(int port) {
        return new InetSocketAddress(Objects.requireNonNull(ipv4("127.0.0.1")), port);
    }

    /** {@code http://host[:port]} or {@code https://host[:port]} with an optional {@code /} and nothing else. */
    static TargetAddress target(ConfigValue value) throws ConfigException {
        String text = value.text();
        String lower = text.toLowerCase(Locale.ROOT);
        String scheme = lower.startsWith("https://") ? "https" : lower.startsWith("http://") ? "http" : null;
        if (scheme == null) {
            throw value.error(value.shown() + " is not an http:// or https:// URL (" + TARGET_EXPECTED + ")");
        }
        String rest = text.substring(scheme.length() + 3);
        int end = 0;
        while (end < rest.length() && "/?#".indexOf(rest.charAt(end)) < 0) {
            end++;
        }
        String authority = rest.substring(0, end);
        String tail = rest.substring(end);
        if (!tail.isEmpty() && !tail.equals("/")) {
            throw value.error(value.shown() + " has a path, query or fragment (" + TARGET_EXPECTED + ")");
        }
        if (authority.indexOf('@') >= 0) {
            throw value.error(value.shown() + " has user info (" + TARGET_EXPECTED + "; credentials do not belong in a target)");
        }
        String host;
        String portText;
        if (authority.startsWith("[")) {
            int close = authority.indexOf(']');
            if (close < 0) {
                throw value.error(value.shown() + " is not a valid URL (" + TARGET_EXPECTED + ")");
            }
            InetAddress v6 = ipv6(authority.substring(1, close));
            host = v6 == null ? null : authority.substring(1, close).toLowerCase(Locale.ROOT);
            portText = authority.substring(close + 1);
        } else {
            int colon = authority.indexOf(':');
            String name = (colon < 0 ? authority : authority.substring(0, colon)).toLowerCase(Locale.ROOT);
            host = isHostName(name) ? name : null;
            portText = colon < 0 ? "" : authority.substring(colon);
        }
        if (host == null) {
            throw value.error(value.shown() + " does not name a valid host (" + TARGET_EXPECTED + " with an IP address or DNS name)");
        }
        int port = scheme.equals("https") ? 443 : 80;
        if (!portText.isEmpty()) {
            port = portText.startsWith(":") ? port(portText.substring(1), 1) : -1;
            if (port < 0) {
                throw value.error(value.shown() + " has an invalid port (" + TARGET_EXPECTED + ", port 1..65535)");
            }
        }
        return new TargetAddress(scheme, host, port);
    }

    /** An exact host or {@code *.suffix}, lower-cased; no port. */
    static String routeHost(ConfigValue value) throws ConfigException {
        String host = value.text().toLowerCase(Locale.ROOT);
        String name = host.startsWith("*.") ? host.substring(2) : host;
        if (!isHostName(name)) {
            throw value.error(value.shown() + " is not a host name (expected a name such as api.example.com or *.example.com, without a port)");
        }
        return host;
    }

    /** A DNS name (letters, digits, '-', '_'), or a dotted-quad IPv4 address when every label is numeric. */
    static boolean isHostName(String name) {
        if (name.isEmpty() || name.length() > 253) {
            return false;
        }
        String[] labels = name.split("\\.", -1);
        boolean numeric = true;
        for (String label : labels) {
            if (!DNS_LABEL.matcher(label).matches()) {
                return false;
            }
            numeric &= label.chars().allMatch(c -> c >= '0' && c <= '9');
        }
        // A name made of numbers only is an address; refuse the forms that resolvers read in odd ways (1.2.3, 010.0.0.1).
        return !numeric || ipv4(name) != null;
    }

    private static int port(String text, int min) {
        if (!DIGITS.matcher(text).matches()) {
            return -1;
        }
        int port = Integer.parseInt(text);
        return port >= min && port <= 65535 ? port : -1;
    }

    private static @Nullable InetAddress ipv4(String text) {
        String[] parts = text.split("\\.", -1);
        if (parts.length != 4) {
            return null;
        }
        byte[] bytes = new byte[4];
        for (int i = 0; i < 4; i++) {
            String part = parts[i];
            if (part.isEmpty() || part.length() > 3 || (part.length() > 1 && part.charAt(0) == '0')
                    || !part.chars().allMatch(c -> c >= '0' && c <= '9')) {
                return null;
            }
            int octet = Integer.parseInt(part);
            if (octet > 255) {
                return null;
            }
            bytes[i] = (byte) octet;
        }
        try {
            return InetAddress.getByAddress(bytes);
        } catch (UnknownHostException e) {
            throw new AssertionError("four bytes are always a valid IPv4 address", e);
        }
    }

    private static @Nullable InetAddress ipv6(String text) {
        if (text.indexOf(':') < 0 || !text.chars().allMatch(c -> (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')
                || (c >= 'A' && c <= 'F') || c == ':' || c == '.')) {
            return null;
        }
        try {
            // In brackets the JDK parses an IPv6 literal or fails; it never falls back to a DNS lookup.
            return InetAddress.getByName("[" + text + "]");
        } catch (UnknownHostException e) {
            return null;
        }
    }
}
