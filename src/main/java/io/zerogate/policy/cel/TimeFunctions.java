package io.zerogate.policy.cel;

import java.time.DateTimeException;
import java.time.Instant;
import java.time.ZoneId;
import java.util.concurrent.ConcurrentHashMap;

/**
 * {@code time_of_day(ts, zone)} and {@code time_between(ts, from, to, zone)}: the local time of day, which CEL's
 * timestamp accessors give only in pieces. Times are {@code "HH:MM"} (00:00 to 23:59); zones are IANA names
 * ({@code "Europe/Paris"}) or offsets ({@code "+02:00"}), so a rule follows daylight saving time.
 */
final class TimeFunctions {

    /** Zones named by rules are few; the bound keeps zones named by request data from growing the table. */
    private static final int MAX_CACHED_ZONES = 256;
    private static final ConcurrentHashMap<String, ZoneId> ZONES = new ConcurrentHashMap<>();

    private TimeFunctions() {}

    /** The local time of {@code at} in {@code zone} as {@code "HH:MM"}, which compares correctly as text. */
    static String timeOfDay(Instant at, String zone) {
        int minutes = localMinutes(at, zone(zone));
        int h = minutes / 60;
        int m = minutes % 60;
        return new String(new char[] {(char) ('0' + h / 10), (char) ('0' + h % 10), ':', (char) ('0' + m / 10),
                (char) ('0' + m % 10)});
    }

    /**
     * True when the local time of {@code at} in {@code zone} is at or after {@code from} and before {@code to}. A
     * window whose end is earlier than its start runs over midnight: {@code "22:00"} to {@code "06:00"} holds at
     * 23:30 and at 05:59.
     */
    static boolean between(Instant at, String from, String to, String zone) {
        int start = minutes(from);
        int end = minutes(to);
        checkWindow(start, end, from);
        int now = localMinutes(at, zone(zone));
        return start < end ? now >= start && now < end : now >= start || now < end;
    }

    static void checkWindow(int start, int end, String from) {
        if (start == end) {
            throw new IllegalArgumentException("time_between: the window from " + from + " to " + from
                    + " is empty (expected: two different times)");
        }
    }

    /** Minutes since midnight of a {@code "HH:MM"} time. */
    static int minutes(String time) {
        if (time.length() != 5 || time.charAt(2) != ':' || !digits(time, 0) || !digits(time, 3)) {
            throw new IllegalArgumentException("'" + time + "' is not a time of day (expected: HH:MM, as in 08:30)");
        }
        int h = (time.charAt(0) - '0') * 10 + time.charAt(1) - '0';
        int m = (time.charAt(3) - '0') * 10 + time.charAt(4) - '0';
        if (h > 23 || m > 59) {
            throw new IllegalArgumentException("'" + time + "' is not a time of day (expected: 00:00 to 23:59)");
        }
        return h * 60 + m;
    }

    static ZoneId zone(String name) {
        ZoneId cached = ZONES.get(name);
        if (cached != null) {
            return cached;
        }
        ZoneId zone;
        try {
            zone = ZoneId.of(name);
        } catch (DateTimeException e) {
            throw new IllegalArgumentException("'" + name + "' is not a time zone (expected: an IANA name such as "
                    + "Europe/Paris, or an offset such as +02:00)");
        }
        if (ZONES.size() < MAX_CACHED_ZONES) {
            ZONES.putIfAbsent(name, zone);
        }
        return zone;
    }

    private static int localMinutes(Instant at, ZoneId zone) {
        long local = at.getEpochSecond() + zone.getRules().getOffset(at).getTotalSeconds();
        return (int) (Math.floorMod(local, 86_400L) / 60);
    }

    private static boolean digits(String s, int at) {
        return isDigit(s.charAt(at)) && isDigit(s.charAt(at + 1));
    }

    private static boolean isDigit(char c) {
        return c >= '0' && c <= '9';
    }
}
