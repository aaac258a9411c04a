package dev.gale.gpu;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import static org.junit.jupiter.api.Assertions.*;

class BytesTest {

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "0|0", "1024|1024", "512B|512", "1K|1024", "2kb|2048", "3KiB|3072", "1M|1048576", "512 MiB|536870912",
            "8GiB|8589934592", "8gb|8589934592", "1.5G|1610612736", " 2 TiB |2199023255552", "0.5k|512"})
    void parses(String text, long bytes) {
        assertEquals(bytes, Bytes.parse("memory", text));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "  ", "GiB", "-1G", "12 parsecs", "1.2.3G", ".", "8GiBs", "99999999999T"})
    void rejectsNamingTheField(String text) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Bytes.parse("gpuMemory", text));
        assertTrue(e.getMessage().startsWith("gpuMemory = '"), e.getMessage());
    }

    @Test
    void rejectsNull() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Bytes.parse("memory", null));
        assertTrue(e.getMessage().startsWith("memory"), e.getMessage());
    }

    @Test
    void formats() {
        assertEquals("0B", Bytes.format(0));
        assertEquals("1023B", Bytes.format(1023));
        assertEquals("1.0KiB", Bytes.format(1024));
        assertEquals("1.5KiB", Bytes.format(1536));
        assertEquals("512.0MiB", Bytes.format(512L << 20));
        assertEquals("8.0GiB", Bytes.format(8L << 30));
        assertEquals("40.0GiB", Bytes.format(40960L << 20));
        assertEquals("1.0MiB", Bytes.format((1L << 20) - 1), "never prints 1024.0KiB");
        assertEquals("2048.0TiB", Bytes.format(2048L << 40));
    }

    @Test
    void formatThenParseRoundTripsWholeUnits() {
        for (long v : new long[]{1L << 10, 3L << 20, 7L << 30, 5L << 40}) {
            assertEquals(v, Bytes.parse("x", Bytes.format(v)));
        }
    }
}
