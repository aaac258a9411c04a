package dev.gale.observability.dashboard;

import dev.gale.cluster.GaleNode;
import dev.gale.cluster.NodeConfig;
import dev.gale.gpu.NodeInventory;
import dev.gale.tune.Mode;
import dev.gale.tune.Result;
import dev.gale.tune.ResultGrid;
import dev.gale.tune.RunConfig;
import dev.gale.tune.TrialStatus;
import dev.gale.tune.TuneConfig;
import dev.gale.tune.Tuner;
import dev.gale.tune.callback.ExperimentEnd;
import dev.gale.tune.callback.ExperimentInfo;
import dev.gale.tune.callback.TrialInfo;
import dev.gale.tune.search.Domains;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.WebElement;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The dashboard page end to end in a real headless Chromium: a finished experiment read from its
 * directory (with a corrupted result line), 10,000 trials with every plot drawn and the planted
 * parameter ranked first, and a running experiment whose new result appears live.
 * Screenshots go to {@code target/screenshots/}.
 */
class DashboardPageTest {

    @Test
    void aFinishedExperimentIsShownWithItsCorruptedLineMarked(@TempDir Path tmp) throws Exception {
        ResultGrid g;
        try (GaleNode node = GaleNode.start(NodeConfig.embedded().withInventory(new NodeInventory(2, 1L << 30, List.of(), Map.of())))) {
            g = Tuner.builder(ctx -> {
                        double lr = ctx.config().getDouble("lr");
                        for (int i = 1; i <= 4; i++) {
                            if (lr < 0 && i == 3) throw new IllegalStateException("diverged");
                            ctx.report(Map.of("loss", Math.abs(lr) / i + ctx.config().getDouble("wd"), "acc", i / 10.0 + lr));
                        }
                    })
                    .paramSpace(Map.of("lr", Domains.gridSearch(0.5, 0.25, 0.1, -1.0), "wd", Domains.gridSearch(0.01, 0.02)))
                    .tuneConfig(TuneConfig.builder().metric("loss").mode(Mode.MIN).maxFailures(0).build())
                    .runConfig(new RunConfig("finished", tmp, true, 200))
                    .node(node)
                    .build().fit();
        }
        assertEquals(6, g.count(TrialStatus.TERMINATED), g.table());
        Path exp = tmp.resolve("finished");
        String damaged = g.trials().stream().filter(t -> t.status() == TrialStatus.TERMINATED).findFirst().orElseThrow().trialId();
        Path results = exp.resolve(damaged).resolve("result.jsonl");
        List<String> lines = new ArrayList<>(Files.readAllLines(results));
        assertEquals(4, lines.size());
        lines.add(1, "{\"loss\": 0.3, \"training_itera");
        Files.write(results, lines);

        try (Dashboard d = Dashboard.start(DashboardConfig.local(0)); Browser b = Browser.open()) {
            assertEquals("finished", d.add(exp));
            b.driver.get(d.url().toString());
            b.awaitDrawn(60);
            assertEquals("FINISHED", b.driver.findElement(By.id("exp-status")).getText());
            WebElement warn = b.driver.findElement(By.id("exp-warn"));
            assertTrue(warn.isDisplayed() && warn.getText().startsWith("1 unreadable line"), warn.getText());
            List<WebElement> rows = b.driver.findElements(By.cssSelector("#trials tbody tr"));
            assertEquals(8, rows.size(), "every trial has a row");
            WebElement row = b.driver.findElement(By.cssSelector("#trials tbody tr[data-id='" + damaged + "']"));
            assertTrue(row.getText().contains("⚠ 1 unreadable line"), row.getText());
            assertEquals("4", row.findElement(By.cssSelector("td[data-k='it']")).getText(), "the other lines are still read");
            for (String p : Browser.PLOTS) assertTrue(b.paintedPixels(p) > 0, p + " drew nothing");

            row.click();
            b.await("the trial view", 20, x -> x.findElement(By.id("trial-bad")).isDisplayed());
            assertTrue(b.driver.findElement(By.id("trial-bad")).getText().startsWith("result.jsonl line 2 is not JSON (skipped): {\"loss\": 0.3"),
                    b.driver.findElement(By.id("trial-bad")).getText());
            b.await("the trial's curve", 20, x -> Boolean.TRUE.equals(b.js("return window.galeDrawn.trial === true")));
            assertTrue(b.paintedPixels("trial") > 0);

            b.driver.findElement(By.id("filter")).sendKeys("status:error");
            b.await("the filter", 20, x -> x.findElements(By.cssSelector("#trials tbody tr")).size() == 2);
            b.driver.findElement(By.cssSelector("#trials thead th[data-k='m:loss']")).click();
            b.screenshot("finished-experiment");
        }
    }

    @Test
    void tenThousandTrialsDrawEveryPlotAndImportanceRanksThePlantedParameterFirst(@TempDir Path tmp) throws Exception {
        try (Dashboard d = Dashboard.start(DashboardConfig.local(0)); Browser b = Browser.open()) {
            DashboardCallback cb = d.callback();
            feedSynthetic(cb, tmp.resolve("synthetic"), 10_000, 10, 3);
            b.driver.get(d.url().toString());
            long t0 = System.nanoTime();
            b.awaitDrawn(120);
            double loadS = (System.nanoTime() - t0) / 1e9;
            System.out.printf("10,000 trials x 10 params: page loaded and drew its plots in %.2f s%n", loadS);
            System.out.println("draw ms " + b.js("return JSON.stringify(window.galeTimes)") + " resources " + b.js(
                    "return JSON.stringify(performance.getEntriesByType('resource').map(e => [e.name.replace(location.origin, ''), Math.round(e.startTime), Math.round(e.duration)]))"));
            assertEquals("10000 of 10000 · page 1/100", b.driver.findElement(By.id("count")).getText());
            for (String p : Browser.PLOTS) {
                if (!p.equals("pareto")) assertTrue(b.paintedPixels(p) > 0, p + " drew nothing");
            }
            Object top = b.js("return window.galeState.plots.importance[0][0]");
            assertEquals("p3", top, "the planted parameter ranks first");
            b.js("const m = document.getElementById('metric2'); m.value = 'cost'; m.dispatchEvent(new Event('change'));");
            b.await("the Pareto plot", 60, x -> Boolean.TRUE.equals(b.js("return window.galeState.plots.pareto != null && window.galeDrawn.pareto === true")));
            assertTrue(b.paintedPixels("pareto") > 0, "pareto drew nothing");
            Number front = (Number) b.js("return window.galeState.plots.pareto.points.filter(p => p[2]).length");
            assertTrue(front.intValue() >= 1, "a Pareto front");
            b.screenshot("ten-thousand-trials");
        }
    }

    @Test
    void aResultOfARunningExperimentAppearsLive(@TempDir Path tmp) throws Exception {
        BlockingQueue<Double> next = new ArrayBlockingQueue<>(4);
        try (Dashboard d = Dashboard.start(DashboardConfig.local(0)); Browser b = Browser.open();
             GaleNode node = GaleNode.start(NodeConfig.embedded().withInventory(new NodeInventory(2, 1L << 30, List.of(), Map.of())))) {
            DashboardCallback cb = d.callback();
            CompletableFuture<ResultGrid> run = CompletableFuture.supplyAsync(() -> Tuner.builder(ctx -> {
                        ctx.report(Map.of("loss", 1.0));
                        for (int i = 0; i < 2; i++) {
                            Double v = next.poll(60, TimeUnit.SECONDS);
                            if (v == null) throw new IllegalStateException("the test sent no value within 60 s");
                            ctx.report(Map.of("loss", v));
                        }
                    })
                    .paramSpace(Map.of("x", 1))
                    .tuneConfig(TuneConfig.builder().metric("loss").mode(Mode.MIN).build())
                    .runConfig(new RunConfig("live", tmp, true, 200).withCallbacks(cb))
                    .node(node)
                    .build().fit());
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (cb.experimentId() == null || d.experiments().get(0).trials().isEmpty()
                    || d.experiments().get(0).trials().get(0).curve().size() == 0) {
                assertTrue(System.nanoTime() < deadline, "waited 60 s for the experiment's first result");
                Thread.sleep(20);
            }
            b.driver.get(d.url().toString());
            b.await("the page to load", 60, x -> Boolean.TRUE.equals(b.js("return window.galeLoaded === true")));
            assertEquals("RUNNING", b.text("#exp-status"));
            b.await("the live feed to connect", 30, x -> d.liveClients() > 0);
            next.add(0.123456);
            b.await("the new result on the page", 30, x -> "0.12346".equals(b.text("#trials tbody tr td[data-k='m:loss']")));
            b.screenshot("running-experiment");
            next.add(0.05);
            ResultGrid g = run.get(60, TimeUnit.SECONDS);
            assertEquals(1, g.count(TrialStatus.TERMINATED));
            b.await("the experiment to show FINISHED", 30, x -> "FINISHED".equals(b.text("#exp-status")));
            b.await("the last result", 30, x -> "0.050000".equals(b.text("#trials tbody tr td[data-k='m:loss']")));
        }
    }

    /**
     * Feeds a finished synthetic search through a dashboard callback, as a run would: {@code params}
     * parameters (p0 log-uniform, p1 integer, p2 categorical, the rest uniform) where the loss
     * depends mostly on p3, a second objective {@code cost} against it, and {@code iterations} results each.
     */
    static void feedSynthetic(DashboardCallback cb, Path dir, int trials, int params, int iterations) {
        SplittableRandom r = new SplittableRandom(7);
        ExperimentInfo info = new ExperimentInfo("synthetic", dir, "loss", Mode.MIN, trials, "random", "fifo", false, 1_700_000_000_000L);
        cb.onExperimentStart(info);
        String[] cats = {"adam", "sgd", "rmsprop"};
        for (int i = 0; i < trials; i++) {
            Map<String, Object> p = new LinkedHashMap<>();
            for (int k = 0; k < params; k++) {
                p.put("p" + k, switch (k) {
                    case 0 -> Math.exp(Math.log(1e-5) + r.nextDouble() * Math.log(1e4));
                    case 1 -> 1 + r.nextInt(8);
                    case 2 -> cats[r.nextInt(cats.length)];
                    default -> r.nextDouble();
                });
            }
            String id = String.format("t%05d", i);
            double loss = 10 * Math.pow((double) p.get("p3") - 0.3, 2) + 0.1 * r.nextDouble();
            TrialInfo running = new TrialInfo(id, TrialStatus.RUNNING, p, 1, 0, dir.resolve(id), "node-1", "", null);
            cb.onTrialStart(running);
            for (int it = 1; it <= iterations; it++) {
                double v = loss * (1 + 1.0 / it);
                cb.onTrialResult(running, new Result(id, it, it * 0.5, 1_700_000_000_000L + i * 10L + it,
                        Map.of("loss", v, "cost", 1 / (0.05 + loss) + r.nextDouble())));
            }
            cb.onTrialComplete(new TrialInfo(id, TrialStatus.TERMINATED, p, 1, 0, dir.resolve(id), "node-1", "", null));
        }
        cb.onExperimentEnd(new ExperimentEnd(info, ExperimentEnd.Outcome.FINISHED, "", List.of(), 1.0));
        assertNotNull(cb.experimentId());
    }

    static void append(Path f, String line) throws java.io.IOException {
        Files.writeString(f, line + "\n", StandardOpenOption.APPEND);
    }
}
