package dev.gale.gpu;

import java.util.Locale;

/** Parses and formats byte sizes such as {@code 8GiB}, {@code 512 MiB}, {@code 1.5G}, {@code 1024}. */
public final class Bytes {
    private Bytes() {
    }

    /**
     * Parses a size: a number with an optional unit (B, K/KB/KiB, M/MB/MiB, G/GB/GiB, T/TB/TiB; all
     * binary, case-insensitive).
     *
     * @throws IllegalArgumentException naming {@code field} when the text is not a size
     */
    public static long parse(String field, String text) {
        String t = text == null ? "" : text.trim().toLowerCase(Locale.ROOT).replace(" ", "");
        int i = 0;
        while (i < t.length() && (Character.isDigit(t.charAt(i)) || t.charAt(i) == '.')) i++;
        if (i == 0) {
            throw new IllegalArgumentException(field + " = '" + text + "': expected a size such as 512MiB or 8GiB");
        }
        double n;
        try {
            n = Double.parseDouble(t.substring(0, i));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(field + " = '" + text + "': expected a size such as 512MiB or 8GiB");
        }
        String unit = t.substring(i);
        long mul = switch (unit) {
            case "", "b" -> 1L;
            case "k", "kb", "kib" -> 1L << 10;
            case "m", "mb", "mib" -> 1L << 20;
            case "g", "gb", "gib" -> 1L << 30;
            case "t", "tb", "tib" -> 1L << 40;
            default -> throw new IllegalArgumentException(field + " = '" + text
                    + "': unknown unit '" + unit + "', use B, KiB, MiB, GiB or TiB");
        };
        double v = n * mul;
        if (v >= 0x1p63) {
            throw new IllegalArgumentException(field + " = '" + text + "': too large");
        }
        return Math.round(v);
    }

    /** Formats bytes with a binary unit and one decimal, e.g. {@code 8.0GiB}; below 1 KiB as {@code 512B}. */
    public static String format(long bytes) {
        if (bytes < 1024) return bytes + "B";
        String[] units = {"KiB", "MiB", "GiB", "TiB"};
        double v = bytes;
        int u = -1;
        // move up a unit also when rounding to one decimal would print 1024.0 (e.g. 1048575 bytes)
        while (v >= 1023.95 && u < units.length - 1) {
            v /= 1024;
            u++;
        }
        return String.format(Locale.ROOT, "%.1f%s", v, units[u]);
    }
}
