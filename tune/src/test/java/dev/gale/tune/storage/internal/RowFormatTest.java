package dev.gale.tune.storage.internal;

import dev.gale.tune.Result;
import dev.gale.tune.storage.ResultRow;
import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The direct row writer writes what Jackson writes for the row's map, on random plain rows. */
class RowFormatTest {

    @Test
    void plainRowsAreWrittenExactlyAsJacksonWritesTheirMap() throws Exception {
        SplittableRandom rnd = new SplittableRandom(42);
        for (int n = 0; n < 2_000; n++) {
            Map<String, Object> metrics = new LinkedHashMap<>();
            int k = rnd.nextInt(6);
            for (int i = 0; i < k; i++) metrics.put(text(rnd), value(rnd));
            ResultRow row = new ResultRow(text(rnd) + "x", rnd.nextLong(1, 1_000_000), rnd.nextDouble() * 1e4,
                    rnd.nextLong(0, Long.MAX_VALUE), metrics, rnd.nextBoolean() ? null : "checkpoint_" + n);
            assertTrue(RowFormat.plain(row), row.toString());
            StringBuilder sb = new StringBuilder();
            RowFormat.appendJson(sb, row);
            Map<String, Object> m = row.toMap();
            assertEquals(Json.MAPPER.writeValueAsString(m), sb.toString());
            for (String column : m.keySet()) assertEquals(String.valueOf(m.get(column)), RowFormat.cellText(row, column), column);
            assertEquals(null, RowFormat.cellText(row, "no such column " + n));

            // CSV cells from the texts json() wrote, for the row's own columns, a shuffled subset and extra ones
            List<String> own = new java.util.ArrayList<>(m.keySet());
            List<String> other = new java.util.ArrayList<>(own);
            java.util.Collections.shuffle(other, new java.util.Random(n));
            if (!other.isEmpty() && rnd.nextBoolean()) other.remove(0);
            other.add(rnd.nextInt(other.size() + 1), "no such column");
            if (rnd.nextBoolean()) other.add(ResultRow.CHECKPOINT);
            for (List<String> columns : List.of(own, other)) {
                RowFormat f = new RowFormat();
                StringBuilder json = new StringBuilder("prefix ");
                f.json(json, row);
                assertEquals(sb.toString(), json.substring("prefix ".length()));
                StringBuilder csv = new StringBuilder();
                f.csv(csv, row, columns, json);
                StringBuilder want = new StringBuilder();
                for (int i = 0; i < columns.size(); i++) {
                    if (i > 0) want.append(',');
                    Object v = m.get(columns.get(i));
                    if (v != null) want.append(Csv.cell(v.toString()));
                }
                assertEquals(want.toString(), csv.toString(), columns.toString());
            }
        }
    }

    @Test
    void rowsThatAreNotPlainAreLeftToTheMapPath() {
        assertFalse(RowFormat.plain(row(Map.of("loss", Double.NaN))));
        assertFalse(RowFormat.plain(row(Map.of("loss", Float.POSITIVE_INFINITY))));
        assertFalse(RowFormat.plain(row(Map.of("nested", Map.of("a", 1)))));
        assertFalse(RowFormat.plain(row(Map.of("list", List.of(1, 2)))));
        assertFalse(RowFormat.plain(row(Map.of("big", new java.math.BigDecimal("1.5")))));
        assertFalse(RowFormat.plain(row(Map.of(Result.TRAINING_ITERATION, 7))));
        assertFalse(RowFormat.plain(row(Map.of(ResultRow.TRIAL_ID, "other"))));
        assertTrue(RowFormat.plain(row(Map.of("loss", 0.5, "ok", true, "name", "a,b"))));
    }

    private static ResultRow row(Map<String, Object> metrics) {
        return new ResultRow("t", 1, 0.5, 1L, metrics, null);
    }

    private static String text(SplittableRandom rnd) {
        StringBuilder sb = new StringBuilder();
        int len = rnd.nextInt(8);
        for (int i = 0; i < len; i++) {
            sb.append(switch (rnd.nextInt(6)) {
                case 0 -> (char) rnd.nextInt(0, 0x20);          // control characters
                case 1 -> "\"\\,/".charAt(rnd.nextInt(4));      // quotes, backslash, comma, slash
                case 2 -> (char) rnd.nextInt(0x80, 0x3000);     // non-ASCII
                default -> (char) rnd.nextInt('a', 'z' + 1);
            });
        }
        return sb.toString();
    }

    private static Object value(SplittableRandom rnd) {
        return switch (rnd.nextInt(8)) {
            case 0 -> rnd.nextDouble() * Math.pow(10, rnd.nextInt(-30, 30));
            case 1 -> (float) rnd.nextDouble();
            case 2 -> rnd.nextLong();
            case 3 -> rnd.nextInt();
            case 4 -> rnd.nextBoolean();
            case 5 -> (short) rnd.nextInt(-1000, 1000);
            case 6 -> -0.0;
            default -> text(rnd);
        };
    }
}
