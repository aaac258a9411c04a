package dev.gale.observability.dashboard;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The dashboard's server on bad input: not an experiment, a port in use, a missing or wrong token. */
class DashboardServerTest {
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

    private HttpResponse<String> get(URI u) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(u).timeout(Duration.ofSeconds(30)).GET().build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void aDirectoryThatIsNotAnExperimentIsRefusedWithTheReadersMessage(@TempDir Path tmp) throws Exception {
        Path notOne = Files.createDirectories(tmp.resolve("photos"));
        Files.writeString(notOne.resolve("cat.jpg"), "meow");
        try (Dashboard d = Dashboard.start(DashboardConfig.local(0))) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> d.add(notOne));
            assertTrue(e.getMessage().contains(notOne.toString()), e.getMessage());
            assertTrue(d.experiments().isEmpty());
            assertEquals("[]", get(URI.create("http://127.0.0.1:" + d.port() + "/api/experiments")).body());
            assertEquals(404, get(URI.create("http://127.0.0.1:" + d.port() + "/api/experiments/photos")).statusCode());
        }
    }

    @Test
    void aPortInUseIsOneClearLine() throws Exception {
        try (Dashboard first = Dashboard.start(DashboardConfig.local(0))) {
            IllegalStateException e = assertThrows(IllegalStateException.class,
                    () -> Dashboard.start(DashboardConfig.local(first.port())));
            assertEquals("dashboard: port " + first.port() + " on 127.0.0.1 is in use: choose another with --port (0 picks a free one)",
                    e.getMessage());
            assertFalse(e.getMessage().contains("\n"));
        }
    }

    @Test
    void withATokenARequestWithoutItIsRefused() throws Exception {
        try (Dashboard d = Dashboard.start(new DashboardConfig("127.0.0.1", 0, "s3cret-token"))) {
            URI base = URI.create("http://127.0.0.1:" + d.port());
            for (String path : new String[]{"/", "/api/experiments", "/api/events", "/static/echarts.min.js"}) {
                HttpResponse<String> r = get(base.resolve(path));
                assertEquals(401, r.statusCode(), path);
                assertFalse(r.body().contains("Gale dashboard"), path);
            }
            assertEquals(401, get(base.resolve("/api/experiments?token=wrong")).statusCode());
            assertEquals(200, get(base.resolve("/api/experiments?token=s3cret-token")).statusCode());
            assertEquals(200, http.send(HttpRequest.newBuilder(base.resolve("/api/experiments")).header("Authorization", "Bearer s3cret-token")
                    .timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString()).statusCode());
            HttpResponse<String> page = get(d.url());
            assertEquals(200, page.statusCode());
            assertTrue(page.body().contains("Gale"), "the printed URL carries the token");
            assertTrue(get(base.resolve("/static/echarts.min.js?token=s3cret-token")).body().length() > 500_000, "ECharts from its WebJar");
        }
    }

    @Test
    void withATokenThePageLoadsItsScriptsWithIt() throws Exception {
        try (Dashboard d = Dashboard.start(new DashboardConfig("127.0.0.1", 0, "s3cret token"))) {
            String page = get(d.url()).body();
            java.util.regex.Matcher m = java.util.regex.Pattern.compile("(?:src|href)=\"(static/[^\"]+)\"").matcher(page);
            int found = 0;
            while (m.find()) {
                found++;
                String path = m.group(1);
                assertTrue(path.endsWith("token=s3cret+token"), path);
                HttpResponse<String> r = get(d.url().resolve("/" + path));
                assertEquals(200, r.statusCode(), path + ": " + r.body());
            }
            assertEquals(3, found, "the style, ECharts and the app: " + page);
        }
    }

    @Test
    void withATokenThePreloadedListOfExperimentsCarriesIt() throws Exception {
        try (Dashboard d = Dashboard.start(new DashboardConfig("127.0.0.1", 0, "s3cret token"))) {
            String page = get(d.url()).body();
            java.util.regex.Matcher m = java.util.regex.Pattern.compile("href=\"(api/experiments[^\"]*)\"").matcher(page);
            assertTrue(m.find(), "the page preloads the list of experiments: " + page);
            assertEquals("api/experiments?token=s3cret+token", m.group(1));
            HttpResponse<String> r = get(d.url().resolve("/" + m.group(1)));
            assertEquals(200, r.statusCode(), r.body());
            assertEquals("[]", r.body());
        }
    }

    @Test
    void anotherAddressNeedsAToken() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new DashboardConfig("0.0.0.0", 8265, null));
        assertTrue(e.getMessage().contains("needs a token"), e.getMessage());
        new DashboardConfig("localhost", 8265, null);
        new DashboardConfig("0.0.0.0", 8265, "t");
    }
}
