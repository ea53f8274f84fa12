package io.zerogate.policy;

/**
 * Text from a request or a remote service as a refusal's detail shows it: control characters escaped and at most
 * {@link #MAX_CHARS} characters, so that what a client or a service sent cannot break or flood a log line.
 */
final class DetailText {

    static final int MAX_CHARS = 128;

    private DetailText() {}

    static String printable(String value) {
        StringBuilder s = new StringBuilder(Math.min(value.length(), MAX_CHARS) + 3);
        for (int i = 0; i < value.length() && i < MAX_CHARS; i++) {
            char c = value.charAt(i);
            if (c < 0x20 || c == 0x7f) {
                s.append(String.format("\\x%02x", (int) c));
            } else {
                s.append(c);
            }
        }
        return value.length() > MAX_CHARS ? s.append("...").toString() : s.toString();
    }
}
