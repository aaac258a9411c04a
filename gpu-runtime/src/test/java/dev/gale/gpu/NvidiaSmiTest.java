package dev.gale.gpu;

import dev.gale.gpu.internal.NvidiaSmi;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

class NvidiaSmiTest {
    private static final long MIB = 1L << 20;

    @Test
    void parsesTwoGpus() {
        List<GpuDevice> gpus = NvidiaSmi.parse("""
                0, GPU-aaa, NVIDIA A100-SXM4-40GB, 40960, 0, 3
                1, GPU-bbb, NVIDIA A100-SXM4-40GB, 40960, 1024, 97
                """);
        assertEquals(List.of(
                new GpuDevice(0, "GPU-aaa", "NVIDIA A100-SXM4-40GB", 40960 * MIB, 0, 3),
                new GpuDevice(1, "GPU-bbb", "NVIDIA A100-SXM4-40GB", 40960 * MIB, 1024 * MIB, 97)), gpus);
    }

    @Test
    void notAvailableReadsAsZero() {
        List<GpuDevice> gpus = NvidiaSmi.parse("3, GPU-c, NVIDIA H100 80GB HBM3, 81559, [N/A], [N/A]\r\n"
                + "4, GPU-d, Tesla T4, 15360, 5, [Not Supported]\r\n");
        assertEquals(2, gpus.size());
        assertEquals(new GpuDevice(3, "GPU-c", "NVIDIA H100 80GB HBM3", 81559 * MIB, 0, 0), gpus.get(0));
        assertEquals(0, gpus.get(1).utilization());
        assertEquals(5 * MIB, gpus.get(1).memoryUsedBytes());
    }

    @Test
    void emptyAndBlankLinesMeanNoGpus() {
        assertEquals(List.of(), NvidiaSmi.parse(""));
        assertEquals(List.of(), NvidiaSmi.parse("\n  \n"));
        assertEquals(1, NvidiaSmi.parse("\n0, GPU-a, T4, 15360, 0, 0\n\n").size());
    }

    @Test
    void nameWithCommasIsKeptWhole() {
        GpuDevice g = NvidiaSmi.parse("0, GPU-a, Some GPU, rev 2, 1024, 0, 12.5").get(0);
        assertEquals("Some GPU, rev 2", g.name());
        assertEquals(1024 * MIB, g.memoryTotalBytes());
        assertEquals(12.5, g.utilization());
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @CsvSource(delimiter = '|', value = {
            // text (\n = line break) | expected fragment of the message
            "NVIDIA-SMI has failed because it could not communicate with the NVIDIA driver|line 1: expected 6",
            "0, GPU-a, T4, 15360, 0|line 1: expected 6",
            "0, GPU-a, T4, 15360, 0, 0\\nx, GPU-b, T4, 15360, 0, 0|line 2, column 1 (index)",
            "-1, GPU-a, T4, 15360, 0, 0|line 1, column 1 (index)",
            "0, , T4, 15360, 0, 0|line 1, column 2 (uuid)",
            "0, GPU-a, , 15360, 0, 0|line 1, column 3 (name)",
            "0, GPU-a, T4, [N/A], 0, 0|line 1, column 4 (memory.total)",
            "0, GPU-a, T4, 15.5, 0, 0|line 1, column 4 (memory.total)",
            "0, GPU-a, T4, 99999999999999999999, 0, 0|line 1, column 4 (memory.total)",
            "0, GPU-a, T4, 15360, lots, 0|line 1, column 5 (memory.used)",
            "0, GPU-a, T4, 15360, 0, busy|line 1, column 6 (utilization.gpu)",
            "0, GPU-a, T4, 15360, 0, 101|line 1, column 6 (utilization.gpu)",
            "0, GPU-a, T4, 15360, 0, NaN|line 1, column 6 (utilization.gpu)",
            "0, GPU-a, T4, 15360, 0, 0\\n0, GPU-b, T4, 15360, 0, 0|line 2, column 1 (index)"})
    void rejectsBadInputNamingLineAndColumn(String text, String fragment) {
        String csv = text.replace("\\n", "\n");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> NvidiaSmi.parse(csv));
        assertTrue(e.getMessage().contains(fragment), () -> "'" + e.getMessage() + "' should contain '" + fragment + "'");
    }

    @Test
    void rejectsNull() {
        assertThrows(IllegalArgumentException.class, () -> NvidiaSmi.parse(null));
    }
}
