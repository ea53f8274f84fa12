package io.zerogate.limits;

import io.zerogate.config.LimitConfig.CalendarPeriod;
import java.time.DayOfWeek;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.time.temporal.IsoFields;
import java.time.temporal.TemporalAdjusters;

/**
 * One calendar period of a quota in the configured time zone: a day, an ISO week (Monday to Sunday) or a month,
 * from its first to its last instant, taking daylight-saving changes into account.
 *
 * @param label names the period in store keys ({@code 2026-11-24}, {@code 2026-W48}, {@code 2026-11})
 */
record QuotaPeriod(String label, long startEpochMillis, long endEpochMillis) {

    /** The period containing {@code now}. */
    static QuotaPeriod containing(CalendarPeriod period, ZoneId zone, Instant now) {
        LocalDate today = now.atZone(zone).toLocalDate();
        LocalDate first;
        LocalDate next;
        String label;
        switch (period) {
            case DAY -> {
                first = today;
                next = today.plusDays(1);
                label = today.toString();
            }
            case WEEK -> {
                first = today.with(TemporalAdjusters.previousOrSame(DayOfWeek.MONDAY));
                next = first.plusWeeks(1);
                label = String.format("%d-W%02d", first.get(IsoFields.WEEK_BASED_YEAR), first.get(IsoFields.WEEK_OF_WEEK_BASED_YEAR));
            }
            default -> {
                first = today.withDayOfMonth(1);
                next = first.plusMonths(1);
                label = String.format("%d-%02d", first.getYear(), first.getMonthValue());
            }
        }
        ZonedDateTime start = first.atStartOfDay(zone);
        ZonedDateTime end = next.atStartOfDay(zone);
        return new QuotaPeriod(label, start.toInstant().toEpochMilli(), end.toInstant().toEpochMilli());
    }

    /** The period's length in whole seconds, as sent in {@code RateLimit-Policy} ({@code w}). */
    long seconds() {
        return (endEpochMillis - startEpochMillis) / 1000;
    }
}
