package dev.gale.observability.plot;

import dev.gale.cluster.GaleNode;
import dev.gale.cluster.NodeConfig;
import dev.gale.gpu.NodeInventory;
import dev.gale.tune.Mode;
import dev.gale.tune.ResultGrid;
import dev.gale.tune.RunConfig;
import dev.gale.tune.TrialStatus;
import dev.gale.tune.TuneConfig;
import dev.gale.tune.Tuner;
import dev.gale.tune.search.Domains;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.w3c.dom.Document;

import javax.imageio.ImageIO;
import javax.xml.parsers.DocumentBuilderFactory;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code gale plot}'s files from a real experiment directory: every kind as SVG (well-formed, with
 * the marks each plot needs) and PNG (decodes, with drawn pixels); bad specs refused.
 */
class PlotsTest {
    @TempDir
    static Path tmp;
    static Path exp;

    @BeforeAll
    static void search() {
        ResultGrid g;
        try (GaleNode node = GaleNode.start(NodeConfig.embedded().withInventory(new NodeInventory(2, 1L << 30, List.of(), Map.of())))) {
            g = Tuner.builder(ctx -> {
                        double x = ctx.config().getDouble("x");
                        double y = ctx.config().getDouble("y");
                        for (int i = 1; i <= 5; i++) {
                            ctx.report(Map.of("loss", (x - 0.3) * (x - 0.3) * 10 + y * 0.01 + 1.0 / i, "size", 1 - x + 0.2 * y));
                        }
                    })
                    .paramSpace(Map.of("x", Domains.uniform(0, 1), "y", Domains.uniform(0, 1), "opt", Domains.choice("adam", "sgd")))
                    // random search: the same 24 configs whatever order the trials end in (a model-based default
                    // learns in completion order, and "x ranks first" once failed in CI); size weighs x 5x y
                    .tuneConfig(TuneConfig.builder().metric("loss").mode(Mode.MIN).numSamples(24).seed(3L)
                            .searcher(dev.gale.tune.search.Searchers.random()).build())
                    .runConfig(new RunConfig("plots", tmp, true, 200))
                    .node(node)
                    .build().fit();
        }
        assertEquals(24, g.count(TrialStatus.TERMINATED), g.table());
        exp = tmp.resolve("plots");
    }

    @Test
    void everyKindIsAWellFormedSvgWithItsMarks() throws Exception {
        for (PlotKind k : PlotKind.values()) {
            Path out = tmp.resolve(k.name().toLowerCase() + ".svg");
            Plots.write(exp, new Plots.Spec(k, null, null, "size", Mode.MIN), out);
            Document doc = DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(out.toFile());
            int lines = doc.getElementsByTagName("polyline").getLength();
            int circles = doc.getElementsByTagName("circle").getLength();
            int rects = doc.getElementsByTagName("rect").getLength() - 1; // the background
            switch (k) {
                case HISTORY -> {
                    assertEquals(24, circles, "a dot per trial");
                    assertEquals(1, lines, "the best-so-far line");
                }
                case CURVES -> assertEquals(24, lines, "a curve per trial");
                case PARCOORDS -> assertEquals(24, lines, "a line per trial");
                case IMPORTANCE -> {
                    assertEquals(3, rects, "a bar per parameter");
                    String text = Files.readString(out);
                    int xAt = text.indexOf(">x</text>");
                    assertTrue(xAt > 0 && xAt < text.indexOf(">y</text>") && xAt < text.indexOf(">opt</text>"), "x ranks first");
                }
                case PARETO -> assertEquals(24, circles, "a dot per trial");
            }
            Files.copy(out, Path.of("target").resolve("plot-" + out.getFileName()), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        }
    }

    @Test
    void everyKindIsAPngWithDrawnPixels() throws Exception {
        for (PlotKind k : PlotKind.values()) {
            Path out = tmp.resolve(k.name().toLowerCase() + ".png");
            Plots.write(exp, new Plots.Spec(k, null, null, "size", Mode.MIN), out);
            BufferedImage img = ImageIO.read(out.toFile());
            assertEquals(960, img.getWidth());
            int colored = 0;
            for (int y = 0; y < img.getHeight(); y += 2) {
                for (int x = 0; x < img.getWidth(); x += 2) {
                    int rgb = img.getRGB(x, y) & 0xffffff;
                    int r = rgb >> 16, g = (rgb >> 8) & 255, b = rgb & 255;
                    if (Math.max(r, Math.max(g, b)) - Math.min(r, Math.min(g, b)) > 40) colored++;
                }
            }
            assertTrue(colored > 20, k + ": colored pixels " + colored);
            Files.copy(out, Path.of("target").resolve("plot-" + out.getFileName()), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        }
    }

    @Test
    void badSpecsAreRefusedWithTheFix() {
        assertTrue(assertThrows(IllegalArgumentException.class, () -> new Plots.Spec(PlotKind.PARETO, null, null, null, null))
                .getMessage().contains("--metric2"));
        assertTrue(assertThrows(IllegalArgumentException.class,
                () -> Plots.write(exp, new Plots.Spec(PlotKind.HISTORY, null, null, null, null), tmp.resolve("h.jpg"))).getMessage().contains(".svg or .png"));
        assertTrue(assertThrows(IllegalArgumentException.class,
                () -> Plots.write(exp, new Plots.Spec(PlotKind.HISTORY, "accuracy", null, null, null), tmp.resolve("h.svg"))).getMessage()
                .contains("no trial of plots reported accuracy"));
        assertThrows(IllegalArgumentException.class, () -> Plots.write(tmp.resolve("nothing-here"), new Plots.Spec(PlotKind.HISTORY, null, null, null, null),
                tmp.resolve("h.svg")));
    }
}
