package dev.gale.cli;

import dev.gale.cli.testkit.GaleProcess;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.DisabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code gale tune --dashboard [PORT]} as a user runs it (the launcher, a child process): the
 * printed URL serves the running search, and the dashboard stops when the search ends.
 */
@DisabledOnOs(OS.WINDOWS)
class TuneDashboardCliTest {
    static final Duration RUN = Duration.ofSeconds(180);

    @Test
    void tuneServesTheDashboardWhileTheSearchRuns(@TempDir Path tmp) throws Exception {
        Path gates = Files.createDirectories(tmp.resolve("gates"));
        Files.writeString(tmp.resolve("gate.yaml"), "dir: \"" + gates + "\"\nx: {uniform: [0, 1]}\n");
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
        String url;
        try (GaleProcess tune = GaleProcess.builder("tune", "--class", GateTrainable.class.getName(), "--space", "gate.yaml",
                "-n", "1", "--storage-path", "results", "--name", "watched", "--seed", "3", "--dashboard", "0")
                .workingDirectory(tmp).home(tmp.resolve("home")).start()) {
            url = tune.awaitLine("dashboard: (http://127\\.0\\.0\\.1:\\d+/)", RUN).group(1);
            ClusterProcesses.awaitFile(gates.resolve("started-trial_00001"), RUN, tune);
            assertTrue(get(http, url).contains("<html"), "the page: " + tune.describe());
            String list = get(http, url + "api/experiments");
            Matcher id = Pattern.compile("\"id\":\"([^\"]+)\",\"name\":\"watched\"").matcher(list);
            assertTrue(id.find(), list);
            assertTrue(list.contains("\"status\":\"RUNNING\""), "the experiment runs: " + list);
            // the trial's start reaches the dashboard through the callback queue: moments after its code started
            awaitJson(http, url + "api/experiments/" + id.group(1), "\"id\":\"trial_00001\",\"status\":\"RUNNING\"", tune);

            Files.writeString(gates.resolve("go-trial_00001"), "");
            assertEquals(0, tune.waitFor(RUN), tune.describe());
            String out = tune.stdout();
            assertEquals(1, out.split("dashboard: http", -1).length - 1, "the URL printed once: " + out);
            assertTrue(out.contains("experiment directory:"), out);
        }
        assertThrows(ConnectException.class, () -> http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString()), "the dashboard stopped with the search");
    }

    @Test
    void dashboardWithoutAPortTakesTheDefaultOne() {
        TuneCommand c = new TuneCommand();
        new CommandLine(c).parseArgs("--class", "x.Y", "--dashboard", "--name", "n");
        assertEquals(8265, c.dashboard);
        assertEquals("n", c.name);
        TuneCommand none = new TuneCommand();
        new CommandLine(none).parseArgs("--class", "x.Y");
        assertNull(none.dashboard);
        TuneCommand given = new TuneCommand();
        new CommandLine(given).parseArgs("--class", "x.Y", "--dashboard", "0");
        assertEquals(0, given.dashboard);
    }

    /** GETs {@code url} until its body contains {@code text} (every 100 ms, at most 60 s). */
    private static void awaitJson(HttpClient http, String url, String text, GaleProcess whose) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        String body = get(http, url);
        while (!body.contains(text)) {
            if (System.nanoTime() > deadline) throw new AssertionError("no " + text + " in " + url + " within 60 s: " + body + "; " + whose.describe());
            Thread.sleep(100);
            body = get(http, url);
        }
    }

    private static String get(HttpClient http, String url) throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(30)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode(), url + ": " + r.body());
        return r.body();
    }
}
