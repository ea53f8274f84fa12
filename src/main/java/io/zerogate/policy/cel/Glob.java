package io.zerogate.policy.cel;

/**
 * {@code glob(text, pattern)}: {@code *} matches any run of characters within one path segment (no {@code /}),
 * {@code **} any run across segments; every other character matches itself. {@code /api/*} matches
 * {@code /api/users} but not {@code /api/users/7}; {@code /api/**} matches both (and not {@code /api}). Matching
 * takes time proportional to the product of the lengths, never more.
 */
final class Glob {

    private Glob() {}

    static boolean matches(String text, String pattern) {
        int n = text.length();
        // reachable[j]: the pattern read so far can match the first j characters of the text.
        boolean[] reachable = new boolean[n + 1];
        reachable[0] = true;
        int p = 0;
        while (p < pattern.length()) {
            char c = pattern.charAt(p);
            if (c == '*') {
                boolean crossesSegments = p + 1 < pattern.length() && pattern.charAt(p + 1) == '*';
                while (p < pattern.length() && pattern.charAt(p) == '*') {
                    p++;
                }
                for (int j = 1; j <= n; j++) {
                    if (!reachable[j] && reachable[j - 1] && (crossesSegments || text.charAt(j - 1) != '/')) {
                        reachable[j] = true;
                    }
                }
            } else {
                boolean any = false;
                for (int j = n; j >= 1; j--) {
                    reachable[j] = reachable[j - 1] && text.charAt(j - 1) == c;
                    any |= reachable[j];
                }
                reachable[0] = false;
                if (!any) {
                    return false;
                }
                p++;
            }
        }
        return reachable[n];
    }
}
