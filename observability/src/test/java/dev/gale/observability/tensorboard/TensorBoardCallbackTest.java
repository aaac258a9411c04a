package dev.gale.observability.tensorboard;

import dev.gale.cluster.GaleNode;
import dev.gale.cluster.NodeConfig;
import dev.gale.gpu.NodeInventory;
import dev.gale.observability.tensorboard.internal.TfRecordWriter;
import dev.gale.tune.Mode;
import dev.gale.tune.ResultGrid;
import dev.gale.tune.RunConfig;
import dev.gale.tune.TrialStatus;
import dev.gale.tune.TuneConfig;
import dev.gale.tune.Tuner;
import dev.gale.tune.search.Domains;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The TensorBoard callback through a real {@code Tuner.fit()}: every file it writes is read back
 * with {@link TfEventsReader} (both CRCs of every record checked, every record decoded) and holds
 * the results as scalars, the HParams sessions with the trials' configs, and the experiment summary.
 */
class TensorBoardCallbackTest {

    @Test
    void theCrcIsCrc32cMaskedAsTfRecordDefinesIt() {
        byte[] check = "123456789".getBytes(StandardCharsets.US_ASCII);
        int crc = 0xE3069283; // the CRC-32C check value of "123456789"
        int masked = Integer.rotateRight(crc, 15) + 0xa282ead8;
        assertEquals(masked, TfRecordWriter.maskedCrc(check, 0, check.length));
        assertEquals(masked, TfEventsReader.masked(check, 0, check.length));
    }

    @Test
    void aSearchIsLoggedAsTensorBoardReadsIt(@TempDir Path tmp) throws IOException {
        ResultGrid g;
        try (GaleNode node = GaleNode.start(NodeConfig.embedded().withInventory(new NodeInventory(2, 1L << 30, List.of(), Map.of())))) {
            g = Tuner.builder(ctx -> {
                        double lr = ctx.config().getDouble("lr");
                        for (int i = 1; i <= 4; i++) {
                            if (lr < 0 && i == 3) throw new IllegalStateException("diverged");
                            ctx.report(Map.of("loss", lr * i, "val", Map.of("acc", i / 10.0), "note", "epoch " + i));
                        }
                    })
                    .paramSpace(Map.of("lr", Domains.gridSearch(0.5, 0.25, -1.0), "act", "relu",
                            "opt", Map.of("wd", Domains.gridSearch(0.01)), "bn", true))
                    .tuneConfig(TuneConfig.builder().metric("loss").mode(Mode.MIN).maxFailures(0).build())
                    .runConfig(new RunConfig("tb", tmp, true, 200).withCallbacks(new TensorBoardCallback()))
                    .node(node)
                    .build().fit();
        }
        assertEquals(2, g.count(TrialStatus.TERMINATED), g.table());
        assertEquals(1, g.count(TrialStatus.ERROR), g.table());
        Path exp = tmp.resolve("tb");
        Map<Double, String> idByLr = new HashMap<>();
        g.trials().forEach(t -> idByLr.put(((Number) t.config().get("lr")).doubleValue(), t.trialId()));

        for (double lr : new double[]{0.5, 0.25, -1.0}) {
            String id = idByLr.get(lr);
            List<Path> files = eventFiles(exp.resolve(id));
            assertEquals(1, files.size(), "one log per attempt of " + id + ": " + files);
            List<TfEventsReader.Event> events = TfEventsReader.read(files.get(0));
            assertEquals("brain.Event:2", events.get(0).fileVersion(), "the first record is the file version");

            List<TfEventsReader.Event> scalarEvents = events.stream().filter(e -> !e.scalars().isEmpty()).toList();
            int reports = lr < 0 ? 2 : 4;
            assertEquals(reports, scalarEvents.size(), id + ": one event per result");
            for (int i = 0; i < reports; i++) {
                TfEventsReader.Event e = scalarEvents.get(i);
                assertEquals(i + 1, e.step(), "step = training_iteration");
                Map<String, Float> byTag = new LinkedHashMap<>();
                e.scalars().forEach(s -> byTag.put(s.tag(), s.value()));
                assertEquals(new TreeSet<>(List.of("loss", "val/acc", "time_total_s")), new TreeSet<>(byTag.keySet()),
                        "every numeric metric (nested with /) and time_total_s; the string metric is not a scalar");
                assertEquals((float) (lr * (i + 1)), byTag.get("loss"));
                assertEquals((float) ((i + 1) / 10.0), byTag.get("val/acc"));
                assertTrue(e.wallTime() > 1.6e9, "wall time in epoch seconds: " + e.wallTime());
            }

            TfEventsReader.Event start = only(events, Events_SESSION_START);
            ProtoReader.Msg startInfo = hparamsData(start, Events_SESSION_START).one(3).asMessage();
            Map<String, Object> hp = new LinkedHashMap<>();
            for (ProtoReader.Field entry : startInfo.all(1)) {
                ProtoReader.Msg kv = entry.asMessage();
                ProtoReader.Msg v = kv.one(2).asMessage();
                Object value = v.has(2) ? (Object) v.one(2).asDouble() : v.has(3) ? v.one(3).asString() : (Object) (v.one(4).bits() != 0);
                hp.put(kv.one(1).asString(), value);
            }
            assertEquals(Map.of("lr", lr, "act", "relu", "opt.wd", 0.01, "bn", true), hp, "the config, flattened with '.'");
            assertTrue(startInfo.one(5).asDouble() > 1.6e9, "start time");
            ProtoReader.Msg endInfo = hparamsData(only(events, Events_SESSION_END), Events_SESSION_END).one(4).asMessage();
            assertEquals(lr < 0 ? 2 : 1, endInfo.one(1).bits(), "status FAILURE (2) for the trial that threw, else SUCCESS (1)");
            assertNotNull(start.plugin().get(Events_SESSION_START).tensor(), "a null tensor beside the plugin data");
        }

        List<Path> root = eventFiles(exp);
        assertEquals(1, root.size(), "the experiment summary in the experiment directory (the empty run)");
        List<TfEventsReader.Event> rootEvents = TfEventsReader.read(root.get(0));
        ProtoReader.Msg experiment = hparamsData(only(rootEvents, Events_EXPERIMENT), Events_EXPERIMENT).one(2).asMessage();
        assertEquals("tb", experiment.one(6).asString());
        Map<String, Long> types = new LinkedHashMap<>();
        for (ProtoReader.Field f : experiment.all(4)) {
            ProtoReader.Msg info = f.asMessage();
            types.put(info.one(1).asString(), info.one(4).bits());
            if (info.one(1).asString().equals("lr")) {
                ProtoReader.Msg interval = info.one(6).asMessage();
                assertEquals(-1.0, interval.one(1).asDouble());
                assertEquals(0.5, interval.one(2).asDouble());
            }
        }
        assertEquals(Map.of("act", 1L, "bn", 2L, "lr", 3L, "opt.wd", 3L), types, "STRING=1, BOOL=2, FLOAT64=3");
        List<String> metricTags = new ArrayList<>();
        for (ProtoReader.Field f : experiment.all(5)) metricTags.add(f.asMessage().one(1).asMessage().one(2).asString());
        assertEquals(List.of("loss", "time_total_s", "val/acc"), metricTags);
    }

    @Test
    void theReaderRefusesACorruptedRecord(@TempDir Path tmp) throws IOException {
        Path f = tmp.resolve("events.out.tfevents.1.test");
        try (TfRecordWriter w = new TfRecordWriter(f)) {
            w.write(dev.gale.observability.tensorboard.internal.Events.fileVersion(1.0));
            w.write(dev.gale.observability.tensorboard.internal.Events.scalars(2.0, 7, List.of("loss"), new float[]{0.5f}));
        }
        List<TfEventsReader.Event> ok = TfEventsReader.read(f);
        assertEquals(2, ok.size());
        assertEquals(7, ok.get(1).step());
        byte[] b = Files.readAllBytes(f);
        byte[] data = b.clone();
        data[data.length - 6] ^= 0x01; // inside the second record's data
        Files.write(f, data);
        assertTrue(assertThrows(IllegalStateException.class, () -> TfEventsReader.read(f)).getMessage().contains("data CRC"));
        byte[] len = b.clone();
        len[0] ^= 0x01; // the first record's length
        Files.write(f, len);
        assertTrue(assertThrows(IllegalStateException.class, () -> TfEventsReader.read(f)).getMessage().contains("length CRC"));
    }

    private static final String Events_SESSION_START = "_hparams_/session_start_info";
    private static final String Events_SESSION_END = "_hparams_/session_end_info";
    private static final String Events_EXPERIMENT = "_hparams_/experiment";

    private static TfEventsReader.Event only(List<TfEventsReader.Event> events, String tag) {
        List<TfEventsReader.Event> l = events.stream().filter(e -> e.plugin().containsKey(tag)).toList();
        assertEquals(1, l.size(), "one " + tag);
        return l.get(0);
    }

    private static ProtoReader.Msg hparamsData(TfEventsReader.Event e, String tag) {
        TfEventsReader.PluginValue v = e.plugin().get(tag);
        assertEquals("hparams", v.pluginName());
        return ProtoReader.parse(v.content());
    }

    private static List<Path> eventFiles(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> p.getFileName().toString().contains("tfevents")).sorted().toList();
        }
    }
}
