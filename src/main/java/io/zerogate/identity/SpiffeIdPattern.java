package io.zerogate.identity;

/**
 * A pattern over SPIFFE IDs for allow lists such as a service's {@code callers}: an exact ID, or an ID whose
 * path has {@code *} segments (one whole segment each) and may end in {@code /**} (one or more further
 * segments). The trust domain is always matched exactly.
 */
public final class SpiffeIdPattern {

    private final String text;
    private final String trustDomain;
    private final String[] segments;
    private final boolean openEnded;

    private SpiffeIdPattern(String text, String trustDomain, String[] segments, boolean openEnded) {
        this.text = text;
        this.trustDomain = trustDomain;
        this.segments = segments;
        this.openEnded = openEnded;
    }

    /**
     * @throws IllegalArgumentException when the pattern is not a SPIFFE ID with optional {@code *} segments
     */
    public static SpiffeIdPattern parse(String pattern) {
        int pathStart = pattern.startsWith("spiffe://") ? pattern.indexOf('/', "spiffe://".length()) : -1;
        String domain = pathStart < 0 ? pattern : pattern.substring(0, pathStart);
        if (domain.contains("*")) {
            throw new IllegalArgumentException("'" + pattern + "': the trust domain is matched exactly and cannot hold '*'");
        }
        boolean openEnded = pattern.endsWith("/**");
        String base = openEnded ? pattern.substring(0, pattern.length() - 3) : pattern;
        // Validate as an ID with each '*' segment replaced by a legal placeholder.
        String probe = base.replace("/*/", "/x/");
        while (probe.contains("/*/")) {
            probe = probe.replace("/*/", "/x/");
        }
        if (probe.endsWith("/*")) {
            probe = probe.substring(0, probe.length() - 1) + "x";
        }
        if (probe.contains("*")) {
            throw new IllegalArgumentException("'" + pattern + "': '*' must be a whole path segment, and '**' only the last one");
        }
        SpiffeId parsed = SpiffeId.parse(probe);
        String path = base.substring(("spiffe://" + parsed.trustDomain()).length());
        String[] segments = path.isEmpty() ? new String[0] : path.substring(1).split("/", -1);
        return new SpiffeIdPattern(pattern, parsed.trustDomain(), segments, openEnded);
    }

    public String trustDomain() {
        return trustDomain;
    }

    public boolean matches(SpiffeId id) {
        if (!id.trustDomain().equals(trustDomain)) {
            return false;
        }
        String path = id.path();
        String[] actual = path.isEmpty() ? new String[0] : path.substring(1).split("/", -1);
        if (openEnded ? actual.length <= segments.length : actual.length != segments.length) {
            return false;
        }
        for (int i = 0; i < segments.length; i++) {
            if (!segments[i].equals("*") && !segments[i].equals(actual[i])) {
                return false;
            }
        }
        return true;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof SpiffeIdPattern other && other.text.equals(text);
    }

    @Override
    public int hashCode() {
        return text.hashCode();
    }

    @Override
    public String toString() {
        return text;
    }
}
