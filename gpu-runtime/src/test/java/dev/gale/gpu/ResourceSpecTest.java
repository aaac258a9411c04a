package dev.gale.gpu;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.HashMap;
import java.util.Map;
import java.util.function.Supplier;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.*;

class ResourceSpecTest {

    static Stream<Arguments> badSpecs() {
        Map<String, Double> nullValue = new HashMap<>();
        nullValue.put("license", null);
        return Stream.of(
                bad("cpus", () -> new ResourceSpec(-1, 0, 0, 0, Map.of(), "")),
                bad("cpus", () -> new ResourceSpec(Double.NaN, 0, 0, 0, Map.of(), "")),
                bad("cpus", () -> new ResourceSpec(Double.POSITIVE_INFINITY, 0, 0, 0, Map.of(), "")),
                bad("gpus", () -> new ResourceSpec(1, -0.5, 0, 0, Map.of(), "")),
                bad("gpus", () -> new ResourceSpec(1, 1.5, 0, 0, Map.of(), "")),
                bad("gpus", () -> new ResourceSpec(1, Double.NaN, 0, 0, Map.of(), "")),
                bad("gpuMemoryBytes", () -> new ResourceSpec(1, 1, -1, 0, Map.of(), "")),
                bad("gpuMemoryBytes", () -> new ResourceSpec(1, 0, 1024, 0, Map.of(), "")),
                bad("memoryBytes", () -> new ResourceSpec(1, 0, 0, -5, Map.of(), "")),
                bad("custom", () -> new ResourceSpec(1, 0, 0, 0, null, "")),
                bad("custom", () -> new ResourceSpec(1, 0, 0, 0, Map.of(" ", 1.0), "")),
                bad("custom.license", () -> new ResourceSpec(1, 0, 0, 0, Map.of("license", -1.0), "")),
                bad("custom.license", () -> new ResourceSpec(1, 0, 0, 0, nullValue, "")),
                bad("cpus", () -> ResourceSpec.DEFAULT.withCpus(-2)),
                bad("gpus", () -> ResourceSpec.DEFAULT.withGpus(2.5)),
                bad("memoryBytes", () -> ResourceSpec.DEFAULT.withMemory(-1)),
                bad("custom.x", () -> ResourceSpec.DEFAULT.withCustom("x", Double.NaN)));
    }

    private static Arguments bad(String field, Supplier<ResourceSpec> make) {
        return Arguments.of(field, make);
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @MethodSource("badSpecs")
    void badFieldIsRejectedNamingTheField(String field, Supplier<ResourceSpec> make) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, make::get);
        assertTrue(e.getMessage().startsWith(field), () -> "message should name " + field + ": " + e.getMessage());
    }

    @Test
    void validSpecsAndDerivedValues() {
        ResourceSpec s = ResourceSpec.ofCpus(2.5).withGpus(0.5).withGpuMemory(8L << 30).withMemory(1L << 30)
                .withCustom("license", 1).withAcceleratorType(" A100 ");
        assertEquals(2.5, s.cpus());
        assertEquals(0.5, s.gpus());
        assertTrue(s.fractionalGpu());
        assertEquals(0, s.wholeGpus());
        assertEquals(3, s.threads());
        assertEquals("A100", s.acceleratorType());
        assertEquals(Map.of("license", 1.0), s.custom());
        assertEquals("cpus=2.5, gpus=0.5, gpuMemory=8.0GiB, memory=1.0GiB, license=1, accelerator=A100", s.toString());

        ResourceSpec two = ResourceSpec.DEFAULT.withGpus(2);
        assertEquals(2, two.wholeGpus());
        assertFalse(two.fractionalGpu());
        assertEquals(1, ResourceSpec.ofCpus(0).threads());
        assertEquals(2, ResourceSpec.ofCpus(2).threads());
        assertEquals("", new ResourceSpec(1, 0, 0, 0, Map.of(), null).acceleratorType());
    }

    @Test
    void customMapIsCopied() {
        Map<String, Double> m = new HashMap<>(Map.of("a", 1.0));
        ResourceSpec s = new ResourceSpec(1, 0, 0, 0, m, "");
        m.put("b", 2.0);
        assertEquals(Map.of("a", 1.0), s.custom());
        assertThrows(UnsupportedOperationException.class, () -> s.custom().put("c", 1.0));
    }
}
