package dev.gale.tune.internal;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.gale.tune.search.IndependentDraw;
import dev.gale.tune.storage.internal.PlainJson;
import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * A trial started on a node in the controller's JVM gets its payload as an object (no JSON text):
 * it must be exactly what the JSON text gives a node in another JVM, so a trainable sees the same
 * values, of the same types, wherever it runs.
 */
class TrialPayloadLocalTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void theLocalPayloadIsWhatTheJsonTextDecodesTo() throws Exception {
        Map<String, Object> config = new LinkedHashMap<>();
        config.put("lr", 0.001f);
        config.put("layers", 3L);
        config.put("big", 1L << 40);
        config.put("name", "resnet");
        config.put("flag", true);
        config.put("nested", Map.of("momentum", 0.9, "steps", List.of(1, 2L, 3.5)));
        config.put("none", null);
        TrialPayload p = new TrialPayload("trial_00007", 2, "my.Trainable", config, "/exp/trial_00007", "/exp/trial_00007/ck",
                12, 3.5, dev.gale.tune.Isolation.THREAD, 1500, false, "tok", new IndependentDraw(42, "trial_00007"));

        TrialPayload remote = JSON.readValue(JSON.writeValueAsString(p), TrialPayload.class);
        TrialPayload local = p.withConfig(PlainJson.copyOf(p.config()));

        assertEquals(remote, local);
        assertEquals(remote.config().get("layers").getClass(), local.config().get("layers").getClass());
        assertEquals(remote.config().get("lr").getClass(), local.config().get("lr").getClass());
        config.put("lr", 0.5); // the controller changing its map later does not reach the started trial
        assertEquals(remote.config().get("lr"), local.config().get("lr"));
    }
}
