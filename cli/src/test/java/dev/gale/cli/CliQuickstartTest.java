package dev.gale.cli;

import dev.gale.cli.testkit.GaleProcess;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.DisabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * "Your own trainable in three steps" of docs/quickstart.md, exactly as written there: the test
 * takes the trainable's source, the space file and the {@code ./gale} commands from the page's
 * blocks, and runs them through the launcher in a fresh directory with a fresh home: the source is
 * compiled by {@code gale tune --classpath MyTrainable.java}, the search runs, and
 * {@code gale results} shows every metric the trainable reported last.
 */
@DisabledOnOs(OS.WINDOWS)
class CliQuickstartTest {
    static final Duration RUN = Duration.ofSeconds(240);
    static final String SECTION = "## Your own trainable in three steps";

    @Test
    void theDocumentedStepsCompileRunAndShowEveryMetricOfTheLastReport(@TempDir Path tmp) throws IOException {
        String page = Files.readString(GaleProcess.repoRoot().resolve("docs").resolve("quickstart.md"));
        int at = page.indexOf(SECTION);
        assertTrue(at >= 0, "docs/quickstart.md has the section '" + SECTION + "'");
        int next = page.indexOf("\n## ", at + SECTION.length());
        String section = page.substring(at, next < 0 ? page.length() : next);

        Files.writeString(tmp.resolve("MyTrainable.java"), block(section, "java", "public class MyTrainable"));
        Files.writeString(tmp.resolve("space.yaml"), block(section, "yaml", "x:"));
        List<List<String>> commands = new ArrayList<>();
        for (String line : block(section, "bash", "./gale tune --classpath MyTrainable.java").lines().toList()) {
            if (!line.startsWith("./gale ")) continue;
            commands.add(List.of(line.substring("./gale ".length()).strip().split("\\s+")));
        }
        assertEquals(2, commands.size(), "two commands: gale tune and gale results: " + commands);
        assertEquals("tune", commands.get(0).getFirst());
        assertEquals("results", commands.get(1).getFirst());

        Path home = tmp.resolve("home");
        List<String> tune = commands.get(0);
        try (GaleProcess gale = GaleProcess.builder(tune.toArray(String[]::new)).workingDirectory(tmp).home(home).start()) {
            assertEquals(0, gale.waitFor(RUN), gale.describe());
            assertTrue(gale.stdout().contains("best trial_0000"), gale.describe());
        }
        assertTrue(Files.isDirectory(home.resolve(".gale").resolve("compiled")), "the launcher compiled the source under ~/.gale/compiled");

        List<String> results = new ArrayList<>();
        for (String a : commands.get(1)) results.add(a.startsWith("~/") ? home.resolve(a.substring(2)).toString() : a);
        try (GaleProcess gale = GaleProcess.builder(results.toArray(String[]::new)).workingDirectory(tmp).home(home).start()) {
            assertEquals(0, gale.waitFor(RUN), gale.describe());
            String out = gale.stdout();
            String header = out.lines().filter(l -> l.contains("loss")).findFirst().orElse("");
            assertTrue(header.contains("final_score"), "every metric of the last report is a column, final_score too: " + gale.describe());
            assertTrue(out.contains("8 trials: 8 terminated"), gale.describe());
            assertTrue(out.contains("seed ") && out.contains("best trial_0000"), gale.describe());
            assertFalse(out.contains("did not finish"), gale.describe());
        }
    }

    /** The first fenced block of {@code lang} in {@code text} that contains {@code marker}. */
    static String block(String text, String lang, String marker) {
        String open = "```" + lang + "\n";
        for (int i = text.indexOf(open); i >= 0; i = text.indexOf(open, i + 1)) {
            int end = text.indexOf("\n```", i + open.length());
            assertTrue(end > 0, "an unclosed ```" + lang + " block");
            String body = text.substring(i + open.length(), end + 1);
            if (body.contains(marker)) return body;
        }
        throw new AssertionError("no ```" + lang + " block with '" + marker + "' in:\n" + text);
    }
}
