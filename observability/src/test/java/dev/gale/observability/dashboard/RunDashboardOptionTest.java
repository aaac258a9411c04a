package dev.gale.observability.dashboard;

import dev.gale.cluster.GaleNode;
import dev.gale.cluster.NodeConfig;
import dev.gale.gpu.NodeInventory;
import dev.gale.tune.Mode;
import dev.gale.tune.ResultGrid;
import dev.gale.tune.RunConfig;
import dev.gale.tune.TrialStatus;
import dev.gale.tune.TuneConfig;
import dev.gale.tune.Tuner;
import dev.gale.tune.callback.DashboardOptions;
import dev.gale.tune.search.Domains;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * {@code RunConfig.withDashboard(...)}: the Tuner finds the dashboard through its SPI, serves it
 * while the run is live (a result shows on the page's feed and in the JSON API while the trial still
 * runs), prints its URL once, and stops it when {@code fit()} returns.
 */
class RunDashboardOptionTest {
    static final long WAIT_S = 60;
    static GaleNode node;

    @BeforeAll
    static void node() {
        node = GaleNode.start(NodeConfig.embedded().withInventory(new NodeInventory(2, 1L << 30, List.of(), Map.of())));
    }

    @AfterAll
    static void stop() {
        if (node != null) node.close();
    }

    @Test
    void aResultShowsOnTheDashboardWhileTheRunIsLiveAndTheDashboardStopsWithTheRun(@TempDir Path tmp) throws Exception {
        CountDownLatch pageOpen = new CountDownLatch(1);
        CountDownLatch seen = new CountDownLatch(1);
        Lines out = new Lines();
        CompletableFuture<ResultGrid> run = CompletableFuture.supplyAsync(() -> Tuner.builder(ctx -> {
                    if (!pageOpen.await(WAIT_S, TimeUnit.SECONDS)) throw new IllegalStateException("no page opened within " + WAIT_S + " s");
                    ctx.report(Map.of("loss", 0.25));
                    if (!seen.await(WAIT_S, TimeUnit.SECONDS)) throw new IllegalStateException("the test saw no result within " + WAIT_S + " s");
                    ctx.report(Map.of("loss", 0.125));
                })
                .paramSpace(Map.of("x", Domains.gridSearch(1.0)))
                .tuneConfig(TuneConfig.builder().metric("loss").mode(Mode.MIN).build())
                .runConfig(new RunConfig("live-dash", tmp, true, 60_000).withDashboard(DashboardOptions.local(0)).withHandleSignals(false))
                .node(node).output(out.stream())
                .build().fit());

        String url = out.await(Pattern.compile("dashboard: (http://127\\.0\\.0\\.1:(\\d+)/)"), run).group(1);
        int port = URI.create(url).getPort();
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
        assertTrue(get(http, url).contains("<html"), "the page is served");

        // the live feed: a page connects, then the trial reports
        HttpResponse<Stream<String>> sse = http.sendAsync(HttpRequest.newBuilder(URI.create(url + "api/events")).build(),
                HttpResponse.BodyHandlers.ofLines()).get(WAIT_S, TimeUnit.SECONDS);
        BlockingQueue<String> events = new LinkedBlockingQueue<>();
        Thread reader = Thread.ofVirtual().start(() -> {
            try {
                sse.body().forEach(events::add);
            } catch (RuntimeException e) {
                events.add("closed: " + e);
            }
        });
        awaitLine(events, l -> l.startsWith(": connected"), "the feed's connected comment", run);
        pageOpen.countDown();
        String delta = awaitLine(events, l -> l.startsWith("data:") && l.contains("\"loss\":0.25"), "the result on the feed", run);
        assertTrue(delta.contains("RUNNING"), "the trial is still running: " + delta);

        String list = get(http, url + "api/experiments");
        Matcher id = Pattern.compile("\"id\":\"([^\"]+)\",\"name\":\"live-dash\"").matcher(list);
        assertTrue(id.find(), list);
        String exp = get(http, url + "api/experiments/" + id.group(1));
        assertTrue(exp.contains("\"status\":\"RUNNING\"") && exp.contains("\"loss\":0.25"), "the JSON API shows the live result: " + exp);
        // the run's cluster is shown too (the demand stream pushes its first snapshot on subscription)
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(WAIT_S);
        String cluster = get(http, url + "api/cluster");
        while (!cluster.contains("\"watching\":true")) {
            if (System.nanoTime() > deadline) fail("the run's cluster was not shown within " + WAIT_S + " s: " + cluster);
            Thread.sleep(100);
            cluster = get(http, url + "api/cluster");
        }
        assertTrue(cluster.contains(node.nodeId()), "the run's node: " + cluster);
        seen.countDown();

        ResultGrid g = run.get(WAIT_S, TimeUnit.SECONDS);
        assertEquals(1, g.count(TrialStatus.TERMINATED), g.table());
        assertEquals(1, out.count("dashboard: "), "the URL is printed once: " + out.text());
        assertThrows(ConnectException.class, () -> {
            try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
                fail("the dashboard still listens on " + port + " after the run");
            }
        });
        reader.join(Duration.ofSeconds(WAIT_S));
        assertTrue(!reader.isAlive(), "the feed ended with the dashboard");
    }

    @Test
    void aStudyServesTheDashboardWhileItOptimizes() throws Exception {
        CountDownLatch seen = new CountDownLatch(1);
        Lines out = new Lines();
        dev.gale.tune.study.Study study = dev.gale.tune.study.Study.builder().name("dash-study").node(node).quiet(true).seed(5)
                .output(out.stream()).dashboard(DashboardOptions.local(0)).build();
        CompletableFuture<ResultGrid> run = CompletableFuture.supplyAsync(() -> study.optimize(trial -> {
            double x = trial.suggestFloat("x", 0, 1);
            trial.report(1, x);
            if (!seen.await(WAIT_S, TimeUnit.SECONDS)) throw new IllegalStateException("the test saw nothing within " + WAIT_S + " s");
            return x;
        }, 1));
        String url = out.await(Pattern.compile("dashboard: (http://127\\.0\\.0\\.1:(\\d+)/)"), run).group(1);
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
        // the URL is printed when the page is up; the run appears once its start reached the
        // dashboard's callback (off the controller's thread): ask until it does, within the deadline
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(WAIT_S);
        String list = get(http, url + "api/experiments");
        while (!(list.contains("\"name\":\"optimize_1\"") && list.contains("\"status\":\"RUNNING\"")) && System.nanoTime() < deadline) {
            Thread.sleep(50);
            list = get(http, url + "api/experiments");
        }
        assertTrue(list.contains("\"name\":\"optimize_1\"") && list.contains("\"status\":\"RUNNING\""), "the study's run, live: " + list);
        seen.countDown();
        assertEquals(1, run.get(WAIT_S, TimeUnit.SECONDS).count(TrialStatus.TERMINATED));
        assertThrows(ConnectException.class, () -> {
            try (Socket s = new Socket(InetAddress.getLoopbackAddress(), URI.create(url).getPort())) {
                fail("the study's dashboard still listens after optimize");
            }
        });
    }

    @Test
    void aPortInUseFailsTheRunBeforeAnyTrialStarts(@TempDir Path tmp) throws Exception {
        AtomicInteger started = new AtomicInteger();
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            Tuner t = Tuner.builder(ctx -> {
                        started.incrementAndGet();
                        ctx.report(Map.of("loss", 1.0));
                    })
                    .paramSpace(Map.of("x", Domains.gridSearch(1.0)))
                    .runConfig(new RunConfig("taken", tmp, true, 60_000).withDashboard(DashboardOptions.local(taken.getLocalPort())))
                    .node(node).output(new PrintStream(OutputStream.nullOutputStream()))
                    .build();
            IllegalStateException e = assertThrows(IllegalStateException.class, t::fit);
            assertEquals("dashboard: port " + taken.getLocalPort() + " on 127.0.0.1 is in use: choose another with --port (0 picks a free one)",
                    e.getMessage());
        }
        assertEquals(0, started.get(), "no trial ran");
    }

    private static String get(HttpClient http, String url) throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(WAIT_S)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode(), url + ": " + r.body());
        return r.body();
    }

    private static String awaitLine(BlockingQueue<String> q, java.util.function.Predicate<String> p, String what,
                                    CompletableFuture<?> run) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(WAIT_S);
        while (System.nanoTime() < deadline) {
            String l = q.poll(200, TimeUnit.MILLISECONDS);
            if (l != null && p.test(l)) return l;
            if (run.isDone()) run.get(); // a failed run says why
        }
        throw new AssertionError("no " + what + " within " + WAIT_S + " s");
    }

    /** Captures what the Tuner prints, line by line. */
    static final class Lines {
        private final ByteArrayOutputStream all = new ByteArrayOutputStream();
        private final BlockingQueue<String> lines = new LinkedBlockingQueue<>();
        private final StringBuilder partial = new StringBuilder();

        PrintStream stream() {
            return new PrintStream(new OutputStream() {
                @Override
                public void write(int b) {
                    synchronized (Lines.this) {
                        all.write(b);
                        if (b == '\n') {
                            lines.add(partial.toString());
                            partial.setLength(0);
                        } else {
                            partial.append((char) b);
                        }
                    }
                }
            }, true, StandardCharsets.UTF_8);
        }

        Matcher await(Pattern p, CompletableFuture<?> run) throws Exception {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(WAIT_S);
            while (System.nanoTime() < deadline) {
                String l = lines.poll(200, TimeUnit.MILLISECONDS);
                if (l != null) {
                    Matcher m = p.matcher(l);
                    if (m.find()) return m;
                }
                if (run.isDone()) run.get();
            }
            throw new AssertionError("no line matching " + p + " within " + WAIT_S + " s: " + text());
        }

        synchronized String text() {
            return all.toString(StandardCharsets.UTF_8);
        }

        int count(String s) {
            String t = text();
            int n = 0;
            for (int i = t.indexOf(s); i >= 0; i = t.indexOf(s, i + 1)) n++;
            return n;
        }
    }
}
