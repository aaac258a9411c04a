package dev.gale.tune.storage.internal;

import dev.gale.tune.Result;
import dev.gale.tune.storage.ResultRow;

import java.util.Map;

/**
 * A result row's {@code result.jsonl} line and {@code progress.csv} cells, written straight from the
 * {@link ResultRow} on the store writer's thread (the hot path of result handling: one row per
 * reported result) without building the row's map or going through Jackson.
 *
 * <p>Promises: for a {@linkplain #plain plain} row, {@link #appendJson} writes exactly what
 * {@code Json.MAPPER.writeValueAsString(row.toMap())} writes, and {@link #cellText} is the text the
 * map-based path put in a CSV cell ({@code String.valueOf} of the value). Rows that are not plain
 * (nested values, non-finite or unusual numbers, a metric named like an automatic field) are left
 * to that map-based path.
 */
final class RowFormat {
    private static final char[] HEX = "0123456789ABCDEF".toCharArray();

    private RowFormat() {
    }

    /**
     * True when every metric value is a string, boolean, finite double or float, or an integral
     * boxed number, and no metric is named like a field the row adds itself.
     */
    static boolean plain(ResultRow row) {
        Map<String, Object> metrics = row.metrics();
        if (metrics.containsKey(Result.TRAINING_ITERATION) || metrics.containsKey(Result.TIME_TOTAL_S)
                || metrics.containsKey(Result.TIMESTAMP) || metrics.containsKey(ResultRow.TRIAL_ID)
                || metrics.containsKey(ResultRow.CHECKPOINT)) {
            return false;
        }
        for (Object v : metrics.values()) {
            if (!plainValue(v)) return false;
        }
        return Double.isFinite(row.timeTotalS());
    }

    private static boolean plainValue(Object v) {
        return switch (v) {
            case String s -> true;
            case Boolean b -> true;
            case Double d -> Double.isFinite(d);
            case Float f -> Float.isFinite(f);
            case Long l -> true;
            case Integer i -> true;
            case Short s -> true;
            case Byte b -> true;
            case null, default -> false;
        };
    }

    /** Appends the row's JSON object (no line break) to {@code sb}; {@code row} must be {@link #plain}. */
    static void appendJson(StringBuilder sb, ResultRow row) {
        sb.append('{');
        boolean first = true;
        for (Map.Entry<String, Object> e : row.metrics().entrySet()) {
            if (!first) sb.append(',');
            first = false;
            string(sb, e.getKey());
            sb.append(':');
            Object v = e.getValue();
            if (v instanceof String s) string(sb, s);
            else sb.append(v);
        }
        if (!first) sb.append(',');
        sb.append("\"" + Result.TRAINING_ITERATION + "\":").append(row.iteration());
        sb.append(",\"" + Result.TIME_TOTAL_S + "\":").append(row.timeTotalS());
        sb.append(",\"" + Result.TIMESTAMP + "\":").append(row.timestamp());
        sb.append(",\"" + ResultRow.TRIAL_ID + "\":");
        string(sb, row.trialId());
        if (row.checkpoint() != null) {
            sb.append(",\"" + ResultRow.CHECKPOINT + "\":");
            string(sb, row.checkpoint());
        }
        sb.append('}');
    }

    /** The text of column {@code column} of a {@link #plain} row, or null when the row has no such field. */
    static String cellText(ResultRow row, String column) {
        return switch (column) {
            case Result.TRAINING_ITERATION -> Long.toString(row.iteration());
            case Result.TIME_TOTAL_S -> Double.toString(row.timeTotalS());
            case Result.TIMESTAMP -> Long.toString(row.timestamp());
            case ResultRow.TRIAL_ID -> row.trialId();
            case ResultRow.CHECKPOINT -> row.checkpoint();
            default -> {
                Object v = row.metrics().get(column);
                yield v == null ? null : v.toString();
            }
        };
    }

    /** A JSON string as Jackson writes it: quotes, backslashes and control characters escaped. */
    private static void string(StringBuilder sb, String s) {
        sb.append('"');
        int from = 0;
        for (int i = 0, n = s.length(); i < n; i++) {
            char c = s.charAt(i);
            if (c >= 0x20 && c != '"' && c != '\\') continue;
            sb.append(s, from, i);
            from = i + 1;
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\b' -> sb.append("\\b");
                case '\t' -> sb.append("\\t");
                case '\n' -> sb.append("\\n");
                case '\f' -> sb.append("\\f");
                case '\r' -> sb.append("\\r");
                default -> sb.append("\\u00").append(HEX[c >> 4]).append(HEX[c & 0xF]);
            }
        }
        sb.append(s, from, s.length()).append('"');
    }
}
