package dev.gale.train.loops;

import dev.gale.train.TrainContext;
import dev.gale.train.TrainLoop;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * All-reduces 300,001 floats (rank r holds r + i % 7) and checks the sums on every rank; rank 0
 * reports "sumsOk" (1 when every element is right) and "tls" (1 when the data plane is TLS).
 */
public final class TlsCheckLoop implements TrainLoop {
    @Override
    public void run(TrainContext ctx) throws Exception {
        int n = 300_001;
        int world = ctx.worldSize();
        float[] v = new float[n];
        for (int i = 0; i < n; i++) v[i] = ctx.worldRank() + i % 7;
        ctx.collective().allReduce(v);
        boolean ok = true;
        for (int i = 0; i < n; i++) {
            float want = world * (world - 1) / 2f + world * (i % 7);
            if (v[i] != want) {
                ok = false;
                break;
            }
        }
        if (!ok) throw new IllegalStateException("rank " + ctx.worldRank() + ": wrong sums after the all-reduce");
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("sumsOk", 1);
        m.put("world", world);
        m.put("tls", ctx.collective().toString().contains("TLS") ? 1 : 0);
        ctx.report(m);
    }
}
