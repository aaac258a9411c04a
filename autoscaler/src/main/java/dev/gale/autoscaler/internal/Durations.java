package dev.gale.autoscaler.internal;

import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.Locale;

/** Parses durations as users write them: {@code 500ms}, {@code 30s}, {@code 5m}, {@code 2h}, {@code 1d}, or ISO-8601 ({@code PT5M}). */
public final class Durations {
    private Durations() {
    }

    /**
     * Parses {@code text}.
     *
     * @throws IllegalArgumentException naming {@code field} and the expected form
     */
    public static Duration parse(String field, String text) {
        String t = text == null ? "" : text.strip().toLowerCase(Locale.ROOT);
        try {
            if (t.startsWith("p")) return Duration.parse(t.toUpperCase(Locale.ROOT));
            int i = 0;
            while (i < t.length() && (Character.isDigit(t.charAt(i)) || t.charAt(i) == '.')) i++;
            if (i == 0) throw new NumberFormatException();
            double n = Double.parseDouble(t.substring(0, i));
            String unit = t.substring(i).strip();
            double ms = switch (unit) {
                case "ms" -> n;
                case "", "s", "sec", "secs", "second", "seconds" -> n * 1000;
                case "m", "min", "mins", "minute", "minutes" -> n * 60_000;
                case "h", "hour", "hours" -> n * 3_600_000;
                case "d", "day", "days" -> n * 86_400_000;
                default -> throw new NumberFormatException();
            };
            return Duration.ofMillis(Math.round(ms));
        } catch (NumberFormatException | DateTimeParseException e) {
            throw new IllegalArgumentException(field + " = '" + text + "': expected a duration such as 500ms, 30s, 5m or 2h");
        }
    }

    /** {@code 5m}, {@code 30s}, {@code 1.5s}, {@code 250ms}: the shortest exact form. */
    public static String format(Duration d) {
        long ms = d.toMillis();
        if (ms % 3_600_000 == 0 && ms > 0) return ms / 3_600_000 + "h";
        if (ms % 60_000 == 0 && ms > 0) return ms / 60_000 + "m";
        if (ms % 1000 == 0) return ms / 1000 + "s";
        if (ms > 1000) return String.format(Locale.ROOT, "%.1fs", ms / 1000.0);
        return ms + "ms";
    }
}
