package dev.gale.tune;

import dev.gale.tune.search.Domains;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

class SmokeTest {
    @Test
    void runs(@TempDir Path tmp) {
        ResultGrid g = Tuner.builder(ctx -> {
                    double x = ctx.config().getDouble("x");
                    for (int i = 0; i < 5; i++) ctx.report(Map.of("loss", x * x + 1.0 / (i + 1)));
                })
                .paramSpace(Map.of("x", Domains.uniform(-1, 1)))
                .tuneConfig(TuneConfig.builder().metric("loss").mode(Mode.MIN).numSamples(6).build())
                .runConfig(new RunConfig("smoke", tmp, false, 200))
                .build().fit();
        System.out.println(g.table());
        assertEquals(6, g.size());
    }
}
