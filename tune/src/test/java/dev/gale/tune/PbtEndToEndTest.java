package dev.gale.tune;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.gale.tune.schedulers.Decision;
import dev.gale.tune.schedulers.PopulationBasedTraining;
import dev.gale.tune.search.Domains;
import dev.gale.tune.search.Searchers;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * PBT on a toy whose best schedule is known: each step adds quality(lr) to an accumulated score,
 * quality = 1 - |log10(lr) + 1| (best at lr = 0.1). The trial that starts at lr = 0.001 is the
 * worst at every perturbation, so it must exploit: copy the best trial's checkpoint and continue
 * with a perturbed config.
 */
class PbtEndToEndTest {
    static final List<Object> LRS = List.of(0.001, 0.01, 0.1, 1.0);

    static double quality(double lr) {
        return 1 - Math.abs(Math.log10(lr) + 1);
    }

    @Test
    void theWorstTrialExploitsTheBestCheckpoint(@TempDir Path tmp) throws Exception {
        PopulationBasedTraining pbt = PopulationBasedTraining.builder().perturbationInterval(4).quantileFraction(0.25)
                .resampleProbability(0).mutate("lr", LRS).seed(3).build();
        Lockstep lockstep = new Lockstep(4);
        ResultGrid g = Tuner.builder(ctx -> {
                    double acc = ctx.checkpoint().map(c -> ((Number) c.loadData().get("acc")).doubleValue()).orElse(0.0);
                    long step = ctx.checkpoint().map(c -> ((Number) c.loadData().get("step")).longValue()).orElse(0L);
                    double lr = ctx.config().getDouble("lr");
                    while (step < 16) {
                        step++;
                        acc += quality(lr);
                        lockstep.before(ctx.trialId(), step); // results independent of thread scheduling
                        ctx.report(Map.of("acc", acc, "lr", lr), Checkpoint.ofData(Map.of("acc", acc, "step", step)));
                        Thread.sleep(20);
                    }
                    lockstep.finished(ctx.trialId());
                })
                .paramSpace(Map.of("lr", Domains.gridSearch(LRS.toArray())))
                .tuneConfig(TuneConfig.builder().metric("acc").mode(Mode.MAX).maxConcurrentTrials(4)
                        .searcher(Searchers.grid()).scheduler(pbt).build())
                .runConfig(new RunConfig("pbt", tmp, true, 200))
                .resources(dev.gale.gpu.ResourceSpec.ofCpus(0.25)) // the whole population at once, even on 1 core
                .build().fit();
        assertEquals(4, g.size());
        assertTrue(pbt.exploits() >= 1, "at least one exploit");
        TrialSummary worst = g.trials().get(0);
        assertEquals(TrialStatus.TERMINATED, worst.status());
        assertNotEquals(0.001, ((Number) worst.config().get("lr")).doubleValue(), "the lr=0.001 trial explored away");
        // its history: negative scores at lr = 0.001, then a jump to the donor's positive accumulated score
        List<String> lines = Files.readAllLines(worst.trialDir().resolve("result.jsonl"));
        assertEquals(16, worst.iterations(), "iterations continue from the donor's checkpoint up to 16: " + lines);
        ObjectMapper json = new ObjectMapper();
        double first = ((Number) json.readValue(lines.get(0), Map.class).get("acc")).doubleValue();
        double last = ((Number) json.readValue(lines.get(lines.size() - 1), Map.class).get("acc")).doubleValue();
        assertTrue(first < 0, "started badly: " + first);
        assertTrue(last > 0, "continued from a good checkpoint: " + last);
        // params.json holds the new config
        Map<?, ?> params = json.readValue(worst.trialDir().resolve("params.json").toFile(), Map.class);
        assertEquals(worst.config().get("lr"), params.get("lr"));
    }

    @Test
    void exploresByNeighbourOrResample() {
        PopulationBasedTraining pbt = PopulationBasedTraining.builder().perturbationInterval(1).quantileFraction(0.5)
                .resampleProbability(0).mutate("lr", LRS).mutate("opt.momentum", Domains.uniform(0.5, 0.99)).seed(1).build();
        pbt.setup("acc", Mode.MAX);
        pbt.onTrialConfig("a", Map.of("lr", 0.01, "opt", Map.of("momentum", 0.9)));
        pbt.onTrialConfig("b", Map.of("lr", 0.1, "opt", Map.of("momentum", 0.6)));
        assertEquals(Decision.CONTINUE, pbt.onTrialResult("b", new Result("b", 1, 0, 0, Map.of("acc", 5.0))));
        Decision d = pbt.onTrialResult("a", new Result("a", 1, 0, 0, Map.of("acc", 1.0)));
        Decision.Exploit x = assertInstanceOf(Decision.Exploit.class, d);
        assertEquals("b", x.donorTrialId());
        double lr = ((Number) x.config().get("lr")).doubleValue();
        assertTrue(lr == 0.01 || lr == 1.0, "a neighbour of the donor's 0.1: " + lr);
        double m = ((Number) ((Map<?, ?>) x.config().get("opt")).get("momentum")).doubleValue();
        assertTrue(Math.abs(m - 0.72) < 1e-9 || Math.abs(m - 0.5) < 1e-9, "0.6 x 1.2 or 0.6 x 0.8 clipped to 0.5: " + m);
    }
}
