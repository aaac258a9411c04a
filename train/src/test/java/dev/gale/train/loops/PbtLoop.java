package dev.gale.train.loops;

import dev.gale.train.TrainContext;
import dev.gale.train.TrainLoop;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * PBT's toy trained by a group: every step all ranks all-reduce (a real collective) and the score
 * grows by quality(lr) = 1 - |log10(lr) + 1| (best at lr = 0.1). Rank 0 reports after each step
 * with a checkpoint of (step, score, the id of the group that wrote it). Each group start draws a
 * random id: a report's "group" is its group's id, "fromGroup" the id in the checkpoint it resumed
 * from (-1: none), so results show whose checkpoint a group continued. Config: lr, steps (16),
 * stepMillis (400).
 */
public final class PbtLoop implements TrainLoop {
    @Override
    public void run(TrainContext ctx) throws Exception {
        double lr = ctx.configDouble("lr", 0.1);
        int steps = ctx.configInt("steps", 16);
        long stepMillis = ctx.configInt("stepMillis", 400);
        double quality = 1 - Math.abs(Math.log10(lr) + 1);
        int group = new SecureRandom().nextInt(1 << 30);
        int start = 1;
        double score = 0;
        int fromGroup = -1;
        if (ctx.checkpoint().isPresent()) {
            String[] s = Files.readString(ctx.checkpoint().get().resolve("state")).strip().split(" ");
            start = Integer.parseInt(s[0]) + 1;
            score = Double.parseDouble(s[1]);
            fromGroup = Integer.parseInt(s[2]);
        }
        float[] g = {ctx.worldRank() == 0 ? group : 0};
        ctx.collective().broadcast(g, 0);
        for (int t = start; t <= steps; t++) {
            float[] v = {1f};
            ctx.collective().allReduce(v);
            score += quality;
            Thread.sleep(stepMillis);
            if (ctx.worldRank() != 0) continue;
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("score", score);
            m.put("lr", lr);
            m.put("world", (double) v[0]);
            m.put("group", group);
            m.put("fromGroup", fromGroup);
            Path ck = ctx.scratchDir().resolve("ck-" + t);
            Files.createDirectories(ck);
            Files.writeString(ck.resolve("state"), t + " " + score + " " + group);
            ctx.report(m, ck);
        }
    }
}
