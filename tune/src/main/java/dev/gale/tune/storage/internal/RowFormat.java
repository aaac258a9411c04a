package dev.gale.tune.storage.internal;

import dev.gale.tune.Result;
import dev.gale.tune.storage.ResultRow;

import java.util.List;
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
 * to that map-based path. An instance ({@link #json} then {@link #csv}) is confined to one thread
 * (the store writer's) and formats each value once for both files.
 */
final class RowFormat {
    private static final char[] HEX = "0123456789ABCDEF".toCharArray();

    // the fields of the row last written by appendJson, in order: name, and where its value's text is in
    // the JSON buffer (from < 0: a string, whose raw text is in strings), so the CSV cells reuse that text
    private String[] names = new String[16];
    private int[] from = new int[16];
    private int[] to = new int[16];
    private String[] strings = new String[16];
    private int count;

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
        new RowFormat().json(sb, row);
    }

    /**
     * Appends the row's JSON object (no line break) to {@code sb} and remembers where each value's
     * text is, for {@link #csv}; {@code row} must be {@link #plain}.
     */
    void json(StringBuilder sb, ResultRow row) {
        count = 0;
        sb.append('{');
        for (Map.Entry<String, Object> e : row.metrics().entrySet()) {
            if (count > 0) sb.append(',');
            string(sb, e.getKey());
            sb.append(':');
            Object v = e.getValue();
            if (v instanceof String str) {
                string(sb, str);
                field(e.getKey(), -1, -1, str);
            } else {
                int at = sb.length();
                sb.append(v);
                field(e.getKey(), at, sb.length(), null);
            }
        }
        if (count > 0) sb.append(',');
        sb.append("\"" + Result.TRAINING_ITERATION + "\":");
        int at = sb.length();
        sb.append(row.iteration());
        field(Result.TRAINING_ITERATION, at, sb.length(), null);
        sb.append(",\"" + Result.TIME_TOTAL_S + "\":");
        at = sb.length();
        sb.append(row.timeTotalS());
        field(Result.TIME_TOTAL_S, at, sb.length(), null);
        sb.append(",\"" + Result.TIMESTAMP + "\":");
        at = sb.length();
        sb.append(row.timestamp());
        field(Result.TIMESTAMP, at, sb.length(), null);
        sb.append(",\"" + ResultRow.TRIAL_ID + "\":");
        string(sb, row.trialId());
        field(ResultRow.TRIAL_ID, -1, -1, row.trialId());
        if (row.checkpoint() != null) {
            sb.append(",\"" + ResultRow.CHECKPOINT + "\":");
            string(sb, row.checkpoint());
            field(ResultRow.CHECKPOINT, -1, -1, row.checkpoint());
        }
        sb.append('}');
    }

    /**
     * Appends the CSV cells (no line break) of the row {@link #json} just wrote into {@code json},
     * for {@code columns}: a column in the row's own order takes the text already in {@code json}
     * (numbers are formatted once), any other is looked up ({@link #cellText}); a missing one is empty.
     */
    void csv(StringBuilder csv, ResultRow row, List<String> columns, CharSequence json) {
        int k = 0;
        for (int i = 0, n = columns.size(); i < n; i++) {
            if (i > 0) csv.append(',');
            String column = columns.get(i);
            if (k < count && column.equals(names[k])) {
                if (from[k] >= 0) csv.append(json, from[k], to[k]); // a number or boolean: no comma, quote or break
                else csv.append(Csv.cell(strings[k]));
                k++;
            } else {
                String text = cellText(row, column);
                if (text != null) csv.append(Csv.cell(text));
            }
        }
    }

    private void field(String name, int start, int end, String string) {
        if (count == names.length) {
            int n = count * 2;
            names = java.util.Arrays.copyOf(names, n);
            from = java.util.Arrays.copyOf(from, n);
            to = java.util.Arrays.copyOf(to, n);
            strings = java.util.Arrays.copyOf(strings, n);
        }
        names[count] = name;
        from[count] = start;
        to[count] = end;
        strings[count] = string;
        count++;
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
