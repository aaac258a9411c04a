package dev.gale.tune.search;

import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SearchSpaceAssembleTest {
    @Test
    void assemblesNestedConfigWithConstantsAndSampleFrom() {
        SearchSpace sp = SearchSpace.of(Map.of(
                "lr", Domains.loguniform(1e-4, 1e-1),
                "model", Map.of("layers", Domains.randint(1, 5), "act", "relu"),
                "double_lr", Domains.sampleFrom(c -> c.getDouble("lr") * 2)));
        Map<String, Object> v = new LinkedHashMap<>();
        v.put("lr", 0.01);
        v.put("model.layers", 3);
        Map<String, Object> cfg = sp.assemble(v);
        assertEquals(0.01, cfg.get("lr"));
        assertEquals(Map.of("layers", 3, "act", "relu"), cfg.get("model"));
        assertEquals(0.02, cfg.get("double_lr"));
    }

    @Test
    void rejectsMissingOrOutOfDomainValuesNamingThePath() {
        SearchSpace sp = SearchSpace.of(Map.of("lr", Domains.loguniform(1e-4, 1e-1), "n", Domains.randint(1, 5)));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> sp.assemble(Map.of("lr", 0.01)));
        assertTrue(e.getMessage().contains("'n'"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> sp.assemble(Map.of("lr", 5.0, "n", 2)));
        assertTrue(e.getMessage().contains("'lr'"), e.getMessage());
    }
}
