package dev.gale.cluster;

import dev.gale.gpu.GpuDevice;
import dev.gale.gpu.NodeInventory;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** NodeMain's arguments: parsed into a NodeConfig, and bad ones refused with exit 2 and a message naming them. */
class NodeMainTest {
    static final NodeInventory BASE = new NodeInventory(8, 16L << 30,
            List.of(new GpuDevice(0, "GPU-x", "T4", 16L << 30, 0, 0)), Map.of("old", 1.0));

    @Test
    void resourcesOverrideCpusAndMemoryAndAddCustomOnes() {
        NodeInventory inv = NodeMain.applyResources(BASE, "cpus=4, memory=8GiB,licenses=2,old=3");
        assertEquals(new NodeInventory(4, 8L << 30, BASE.gpus(), Map.of("licenses", 2.0, "old", 3.0)), inv);
        assertEquals(BASE.memoryBytes(), NodeMain.applyResources(BASE, "cpus=1").memoryBytes());
        assertEquals(512L << 20, NodeMain.applyResources(BASE, "memory=512m").memoryBytes());
        for (String bad : List.of("cpus", "cpus=-1", "cpus=x", "memory=lots", "gpus=2", "=3")) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> NodeMain.applyResources(BASE, bad), bad);
            assertTrue(e.getMessage().startsWith("resources"), e.getMessage());
        }
    }

    @Test
    void argumentsMakeANodeConfig() {
        NodeConfig c = NodeMain.parse(new String[]{"--host", "10.1.2.3", "--port=25520", "--join", "10.1.2.4:25520,10.1.2.5:25520"},
                Map.of());
        assertEquals("10.1.2.3", c.host());
        assertEquals(25520, c.port());
        assertEquals(List.of("10.1.2.4:25520", "10.1.2.5:25520"), c.seedNodes());
        assertNull(c.inventory(), "discovered at start");
        assertNull(c.tls());
        NodeConfig t = NodeMain.parse(new String[]{"--tls-keystore", "secret.p12"}, Map.of(TlsSettings.PASSWORD_ENV, "s3cret!"));
        assertEquals(Path.of("secret.p12").toAbsolutePath(), t.tls().keyStore());
        assertEquals("s3cret!", t.tls().password());
        assertTrue(!t.tls().toString().contains("s3cret"), "the password is never printed");
        assertNull(NodeMain.parse(new String[]{"--help"}, Map.of()));
    }

    @Test
    void badArgumentsExitWith2AndSayWhy() {
        assertUsage("--port 'abc'", "--port", "abc");
        assertUsage("port = 70000", "--port", "70000");
        assertUsage("--join 'nohost'", "--join", "nohost");
        assertUsage("unknown argument '--frobnicate'", "--frobnicate");
        assertUsage("--join: a value is required", "--join");
        assertUsage("GALE_CLUSTER_SECRET", "--tls-keystore", "x.p12");
        assertUsage("--tls-password-file needs --tls-keystore", "--tls-password-file", "pw.txt");
    }

    private static void assertUsage(String expected, String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = NodeMain.run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8), Map.of(), a -> {
                    throw new AssertionError("must not start");
                });
        String text = err.toString(StandardCharsets.UTF_8);
        assertEquals(NodeMain.EXIT_USAGE, code, text);
        assertTrue(text.contains(expected), text);
        assertEquals("", out.toString(StandardCharsets.UTF_8));
    }
}
