package dev.gale.tune.study;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.gale.tune.Mode;
import dev.gale.tune.search.Searcher;
import dev.gale.tune.search.Searchers;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** TPE learns per parameter name in define-by-run studies (ask/tell here, no cluster needed). */
class DefineByRunSamplersTest {
    static double runStudy(Searcher sampler, Path dir, long seed, int n) {
        Study study = Study.builder().name("dbr" + seed).storagePath(dir).sampler(sampler).seed(seed).build();
        for (int i = 0; i < n; i++) {
            StudyTrial t = study.ask();
            double x = t.suggestFloat("x", -5, 5);
            double lr = t.suggestFloat("lr", 1e-5, 1e-1, true);
            int k = t.suggestInt("k", 0, 9);
            study.tell(t, (x - 2) * (x - 2) + Math.pow(Math.log10(lr) + 3, 2) + Math.abs(k - 7));
        }
        return study.bestValue();
    }

    @Test
    void tpeBeatsRandomInDefineByRun(@TempDir Path tmp) {
        int wins = 0;
        double tpe = 0;
        double rnd = 0;
        for (long seed = 1; seed <= 8; seed++) {
            double a = runStudy(Searchers.tpe(), tmp.resolve("tpe"), seed, 60);
            double b = runStudy(Searchers.random(), tmp.resolve("random"), seed, 60);
            tpe += a;
            rnd += b;
            if (a < b) wins++;
        }
        System.out.printf("define-by-run, 60 trials, 8 seeds: TPE mean best %.4f, random %.4f, TPE wins %d/8%n", tpe / 8, rnd / 8, wins);
        assertTrue(wins >= 6 && tpe < rnd / 2, "TPE " + tpe / 8 + " vs random " + rnd / 8 + ", wins " + wins);
    }

    @Test
    void tpeDefineByRunStateRestoresExactly() throws Exception {
        Searcher a = Searchers.tpe();
        a.setup(dev.gale.tune.search.SearchSpace.of(java.util.Map.of()), "v", Mode.MIN, Integer.MAX_VALUE, 4);
        dev.gale.tune.search.Domain d = new dev.gale.tune.search.Domain.Uniform(0, 1);
        for (int i = 0; i < 20; i++) {
            String id = "t" + i;
            double x = ((Number) a.suggestParameter(id, "x", d)).doubleValue();
            a.onTrialComplete(id, new dev.gale.tune.Result(id, 1, 0, 0, java.util.Map.of("v", (x - 0.3) * (x - 0.3))), false);
        }
        a.suggestParameter("pending", "x", d);
        ObjectMapper json = new ObjectMapper();
        Searcher b = Searchers.tpe();
        b.setup(dev.gale.tune.search.SearchSpace.of(java.util.Map.of()), "v", Mode.MIN, Integer.MAX_VALUE, 4);
        b.restore(json.readValue(json.writeValueAsString(a.save()), Object.class));
        for (int i = 20; i < 30; i++) {
            String id = "t" + i;
            Object x = a.suggestParameter(id, "x", d);
            assertEquals(x, b.suggestParameter(id, "x", d), "suggestion " + i);
            dev.gale.tune.Result r = new dev.gale.tune.Result(id, 1, 0, 0,
                    java.util.Map.of("v", Math.pow(((Number) x).doubleValue() - 0.3, 2)));
            a.onTrialComplete(id, r, false);
            b.onTrialComplete(id, r, false);
        }
    }
}
