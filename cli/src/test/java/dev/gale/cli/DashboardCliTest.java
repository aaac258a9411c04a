package dev.gale.cli;

import dev.gale.cli.testkit.GaleProcess;
import dev.gale.cluster.GaleNode;
import dev.gale.cluster.NodeConfig;
import dev.gale.gpu.NodeInventory;
import dev.gale.tune.Mode;
import dev.gale.tune.ResultGrid;
import dev.gale.tune.RunConfig;
import dev.gale.tune.TrialStatus;
import dev.gale.tune.TuneConfig;
import dev.gale.tune.Tuner;
import dev.gale.tune.search.Domains;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.DisabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.io.TempDir;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code gale dashboard} and {@code gale plot} as a user runs them (the launcher, in child processes). */
@DisabledOnOs(OS.WINDOWS)
class DashboardCliTest {
    static final Duration RUN = Duration.ofSeconds(120);
    @TempDir
    static Path tmp;
    static Path exp;

    @BeforeAll
    static void search() {
        ResultGrid g;
        try (GaleNode node = GaleNode.start(NodeConfig.embedded().withInventory(new NodeInventory(2, 1L << 30, List.of(), Map.of())))) {
            g = Tuner.builder(ctx -> {
                        for (int i = 1; i <= 3; i++) ctx.report(Map.of("loss", ctx.config().getDouble("x") / i));
                    })
                    .paramSpace(Map.of("x", Domains.gridSearch(1.0, 2.0, 3.0)))
                    .tuneConfig(TuneConfig.builder().metric("loss").mode(Mode.MIN).build())
                    .runConfig(new RunConfig("cli-dash", tmp, true, 200))
                    .node(node)
                    .build().fit();
        }
        assertEquals(3, g.count(TrialStatus.TERMINATED), g.table());
        exp = tmp.resolve("cli-dash");
    }

    @Test
    void dashboardServesTheExperimentUntilCtrlC() throws Exception {
        try (GaleProcess gale = GaleProcess.builder("dashboard", exp.toString(), "--port", "0").workingDirectory(tmp).start()) {
            String url = gale.awaitLine("dashboard at (http://127\\.0\\.0\\.1:\\d+/)", RUN).group(1);
            HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(url + "api/experiments"))
                    .timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(200, r.statusCode());
            assertTrue(r.body().contains("\"name\":\"cli-dash\"") && r.body().contains("\"trialCount\":3"), r.body());
            gale.signal("INT");
            gale.waitFor(RUN);
            assertTrue(!gale.isAlive(), gale.describe());
        }
    }

    @Test
    void plotWritesAnSvg() throws Exception {
        Path out = tmp.resolve("history.svg");
        try (GaleProcess gale = GaleProcess.builder("plot", exp.toString(), "--kind", "history", "--out", out.toString()).workingDirectory(tmp).start()) {
            assertEquals(0, gale.waitFor(RUN), gale.describe());
        }
        assertTrue(Files.readString(out).contains("<svg"), "an SVG");
    }

    @Test
    void notAnExperimentAndAPortInUseAreOneLine() throws Exception {
        Path notOne = Files.createDirectories(tmp.resolve("photos"));
        try (GaleProcess gale = GaleProcess.builder("dashboard", notOne.toString(), "--port", "0").workingDirectory(tmp).start()) {
            assertEquals(2, gale.waitFor(RUN), gale.describe());
            assertEquals(1, gale.stderr().strip().lines().count(), gale.describe());
            assertTrue(gale.stderr().startsWith("gale: "), gale.describe());
        }
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
             GaleProcess gale = GaleProcess.builder("dashboard", exp.toString(), "--port", String.valueOf(taken.getLocalPort()))
                     .workingDirectory(tmp).start()) {
            assertEquals(1, gale.waitFor(RUN), gale.describe());
            assertEquals("gale: dashboard: port " + taken.getLocalPort() + " on 127.0.0.1 is in use: choose another with --port (0 picks a free one)",
                    gale.stderr().strip(), gale.describe());
        }
    }
}
