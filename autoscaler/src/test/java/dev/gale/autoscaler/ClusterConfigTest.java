package dev.gale.autoscaler;

import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** cluster.yaml: node types with resources, cost, min/max and provider settings; errors name the field. */
class ClusterConfigTest {
    static final long GIB = 1L << 30;

    @Test
    void aFullFileIsReadWithDefaultsForWhatIsLeftOut() {
        ClusterConfig c = ClusterConfig.parse("""
                cluster: prod-1
                head: {host: 10.0.0.1, port: 25520, resources: {cpus: 2, memory: 4GiB}, labels: {zone: a}}
                provider:
                  type: kubernetes
                  namespace: gale
                  nodeSelector: {pool: gpu}
                autoscaler: {tick: 10s, idleTimeout: 2m, maxNodes: 40, upscalingSpeed: 2.5, consolidation: false}
                nodeTypes:
                  - name: a100
                    resources: {cpus: 12, memory: 85GiB, gpus: 1, gpuMemory: 40GiB, acceleratorType: A100, custom: {ssd: 1}, labels: {tier: gpu}}
                    costPerHour: 3.67
                    min: 1
                    max: 8
                    provider: {image: gale:1}
                  - name: cpu-8
                    resources: {cpus: 8, memory: 32GiB}
                """, Path.of("/tmp"));
        assertEquals("prod-1", c.name());
        assertEquals("10.0.0.1:25520", c.head().address());
        assertEquals("kubernetes", c.provider().type());
        assertEquals(Map.of("namespace", "gale", "nodeSelector.pool", "gpu"), c.provider().settings());
        assertEquals(Duration.ofSeconds(10), c.autoscaler().tick());
        assertEquals(Duration.ofMinutes(2), c.autoscaler().idleTimeout());
        assertEquals(40, c.autoscaler().maxNodes());
        assertEquals(2.5, c.autoscaler().upscalingSpeed());
        assertEquals(Duration.ofMinutes(10), c.autoscaler().joinTimeout(), "defaults for what is left out");
        assertEquals(false, c.autoscaler().consolidation());
        assertEquals(true, AutoscalerSettings.defaults().consolidation(), "on by default");
        NodeType a100 = c.type("a100");
        assertEquals(12, a100.resources().cpus());
        assertEquals(85 * GIB, a100.resources().memoryBytes());
        assertEquals(1, a100.resources().gpus());
        assertEquals(40 * GIB, a100.resources().gpuMemoryBytes());
        assertEquals("A100", a100.resources().acceleratorType());
        assertEquals(Map.of("ssd", 1.0), a100.resources().custom());
        assertEquals(Map.of("tier", "gpu"), a100.resources().labels());
        assertEquals(3.67, a100.costPerHour());
        assertEquals(1, a100.min());
        assertEquals(8, a100.max());
        assertEquals("gale:1", a100.setting("image", ""));
        assertEquals(0, c.type("cpu-8").min());
        assertEquals(10, c.type("cpu-8").max());
    }

    @Test
    void mistakesAreRefusedNamingTheField() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ClusterConfig.parse("""
                cluster: c
                nodeTypes:
                  - name: ok
                    resources: {cpus: 2}
                  - name: bad
                    resources: {cpus: -1}
                """, null));
        assertTrue(e.getMessage().startsWith("nodeTypes[1]"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> ClusterConfig.parse("""
                cluster: c
                autoscaler: {idelTimeout: 5m}
                nodeTypes: [{name: a, resources: {cpus: 1}}]
                """, null));
        assertTrue(e.getMessage().contains("idelTimeout"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> ClusterConfig.parse("""
                cluster: c
                autoscaler: {consolidation: sometimes}
                nodeTypes: [{name: a, resources: {cpus: 1}}]
                """, null));
        assertTrue(e.getMessage().contains("consolidation") && e.getMessage().contains("true or false"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> ClusterConfig.parse("""
                cluster: c
                nodeTypes: [{name: a, resources: {cpus: 1}, min: 3, max: 2}]
                """, null));
        assertTrue(e.getMessage().contains("max = 2 is below min = 3"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> ClusterConfig.parse("""
                cluster: c
                nodeTypes: [{name: a, resources: {cpus: 1, labels: {gale-cluster: x}}}]
                """, null));
        assertTrue(e.getMessage().contains("set by the autoscaler"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> ClusterConfig.parse("cluster: Bad_Name\nnodeTypes: [{name: a, resources: {cpus: 1}}]\n", null));
        assertTrue(e.getMessage().contains("lower-case"), e.getMessage());
    }
}
