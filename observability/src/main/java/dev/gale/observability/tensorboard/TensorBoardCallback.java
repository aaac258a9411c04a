package dev.gale.observability.tensorboard;

import dev.gale.observability.internal.Flat;
import dev.gale.observability.tensorboard.internal.Events;
import dev.gale.observability.tensorboard.internal.TfRecordWriter;
import dev.gale.tune.Result;
import dev.gale.tune.TrialSummary;
import dev.gale.tune.callback.Callback;
import dev.gale.tune.callback.ExperimentEnd;
import dev.gale.tune.callback.ExperimentInfo;
import dev.gale.tune.callback.TrialInfo;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Writes a TensorBoard log of an experiment, as Ray Tune's TensorBoard logger does, without
 * TensorFlow: {@code tensorboard --logdir <experiment directory>} then shows every trial as a run
 * (its scalars) and the search in the HParams tab. Add it with
 * {@code RunConfig.withCallbacks(new TensorBoardCallback())}.
 *
 * <p>Promises:
 * <ul>
 *   <li>Each attempt of a trial appends to a file of its own in the trial's directory,
 *       {@code events.out.tfevents.<epoch seconds>.<host>.<pid>.<n>.gale}, in TFRecord framing
 *       with masked CRC32C; the first record is the file-version event.</li>
 *   <li>Every result becomes one event at step {@code training_iteration}, wall time the result's
 *       {@code timestamp}, with a scalar for every numeric metric (nested metrics named with
 *       {@code /}: {@code val/loss}) and for {@code time_total_s}. Results the callback queue
 *       dropped under overload (see {@link Callback}) are missing from the log, never from
 *       {@code result.jsonl}.</li>
 *   <li>When a trial ends (TERMINATED or ERROR) its HParams session is written: the session start
 *       with its final config (nested keys joined with {@code .}, as search spaces name them) and
 *       the time its first attempt started, then the session end with status SUCCESS or FAILURE.
 *       Written at the end so that a config that grew (define-by-run) or changed (PBT) is recorded
 *       as it ended; TensorBoard takes the final metrics from the last scalars.</li>
 *   <li>When the experiment ends, the HParams experiment summary (every hyperparameter with its
 *       domain, every metric tag) is written to a file in the experiment directory itself.</li>
 *   <li>Files are flushed at least once a second while the experiment runs, and when a trial
 *       stops running; closed when it stops running and at the experiment's end.</li>
 *   <li>A write that fails throws {@link UncheckedIOException} naming the file (the experiment then
 *       disables this callback and goes on).</li>
 * </ul>
 * One instance serves one experiment at a time.
 */
public final class TensorBoardCallback implements Callback {
    private final Clock clock;
    private final String host;
    private final Map<String, Open> open = new HashMap<>();
    private final Map<String, Double> firstStart = new HashMap<>();
    private final Set<String> metricTags = new TreeSet<>();
    private int files;
    private ExperimentInfo experiment;
    private ScheduledExecutorService flusher;

    private record Open(TfRecordWriter writer) {
    }

    /** A callback on the system clock. */
    public TensorBoardCallback() {
        this(Clock.systemUTC());
    }

    /** A callback that takes file names and session times from {@code clock}. */
    public TensorBoardCallback(Clock clock) {
        this.clock = clock;
        this.host = hostName();
    }

    @Override
    public synchronized void onExperimentStart(ExperimentInfo info) {
        this.experiment = info;
        if (flusher == null) {
            flusher = Executors.newSingleThreadScheduledExecutor(r -> Thread.ofPlatform().daemon()
                    .name("gale-tensorboard-flush-" + info.name()).unstarted(r));
            flusher.scheduleWithFixedDelay(this::flushAll, 1, 1, TimeUnit.SECONDS);
        }
    }

    @Override
    public synchronized void onTrialStart(TrialInfo trial) {
        firstStart.putIfAbsent(trial.trialId(), clock.millis() / 1000.0);
        close(trial.trialId());
        writer(trial);
    }

    @Override
    public synchronized void onTrialResult(TrialInfo trial, Result result) {
        Open o = writer(trial);
        Map<String, Object> flat = Flat.flatten(result.metrics(), "/");
        List<String> tags = new ArrayList<>(flat.size() + 1);
        List<Float> values = new ArrayList<>(flat.size() + 1);
        for (Map.Entry<String, Object> e : flat.entrySet()) {
            if (e.getValue() instanceof Number n) {
                tags.add(e.getKey());
                values.add(n.floatValue());
            }
        }
        tags.add(Result.TIME_TOTAL_S);
        values.add((float) result.timeTotalS());
        float[] v = new float[values.size()];
        for (int i = 0; i < v.length; i++) v[i] = values.get(i);
        metricTags.addAll(tags);
        write(o, Events.scalars(result.timestamp() / 1000.0, result.iteration(), tags, v));
    }

    @Override
    public synchronized void onTrialStatus(TrialInfo trial) {
        switch (trial.status()) {
            case RUNNING -> {
                // the attempt's file was opened by onTrialStart
            }
            case TERMINATED -> endSession(trial, Events.SessionStatus.SUCCESS);
            case ERROR -> endSession(trial, Events.SessionStatus.FAILURE);
            case PENDING, PAUSED, INTERRUPTED -> close(trial.trialId());
        }
    }

    @Override
    public synchronized void onExperimentEnd(ExperimentEnd end) {
        for (String id : new ArrayList<>(open.keySet())) close(id);
        if (flusher != null) {
            flusher.shutdownNow();
            flusher = null;
        }
        List<Events.HParam> hparams = hparams(end.trials());
        if (hparams.isEmpty() && metricTags.isEmpty()) return;
        Path dir = end.experiment().dir();
        double now = clock.millis() / 1000.0;
        try (TfRecordWriter w = new TfRecordWriter(dir.resolve(fileName()))) {
            w.write(Events.fileVersion(now));
            w.write(Events.experiment(now, end.experiment().name(), "Gale experiment " + end.experiment().name()
                    + (end.experiment().metric() == null ? "" : ", metric " + end.experiment().metric()
                    + (end.experiment().mode() == null ? "" : " (" + end.experiment().mode().name().toLowerCase() + ")")),
                    hparams, List.copyOf(metricTags), end.experiment().startMillis() / 1000.0));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the TensorBoard experiment summary in " + dir + ": " + e.getMessage(), e);
        }
    }

    private void endSession(TrialInfo trial, Events.SessionStatus status) {
        Open o = writer(trial);
        double now = clock.millis() / 1000.0;
        Map<String, Object> hp = Flat.flatten(trial.config(), ".");
        write(o, Events.sessionStart(now, hp, "", trial.trialDir().toString(), firstStart.getOrDefault(trial.trialId(), now)));
        write(o, Events.sessionEnd(now, status, now));
        close(trial.trialId());
        firstStart.remove(trial.trialId());
    }

    private Open writer(TrialInfo trial) {
        Open o = open.get(trial.trialId());
        if (o != null) return o;
        Path file = trial.trialDir().resolve(fileName());
        try {
            Files.createDirectories(trial.trialDir()); // the store may not have created it yet
            TfRecordWriter w = new TfRecordWriter(file);
            w.write(Events.fileVersion(clock.millis() / 1000.0));
            o = new Open(w);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create the TensorBoard log " + file + ": " + e.getMessage(), e);
        }
        open.put(trial.trialId(), o);
        return o;
    }

    private static void write(Open o, byte[] event) {
        try {
            o.writer().write(event);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the TensorBoard log " + o.writer().file() + ": " + e.getMessage(), e);
        }
    }

    private void close(String trialId) {
        Open o = open.remove(trialId);
        if (o == null) return;
        try {
            o.writer().close();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the TensorBoard log " + o.writer().file() + ": " + e.getMessage(), e);
        }
    }

    private synchronized void flushAll() {
        for (Open o : open.values()) {
            try {
                o.writer().flush();
            } catch (IOException e) {
                // reported by the next write on the callback thread, which fails the same way
            }
        }
    }

    /** Every hyperparameter of the trials: numbers with the interval seen, strings and booleans with their values. */
    static List<Events.HParam> hparams(List<TrialSummary> trials) {
        Map<String, List<Object>> values = new TreeMap<>();
        for (TrialSummary t : trials) {
            Flat.flatten(t.config(), ".").forEach((k, v) -> values.computeIfAbsent(k, x -> new ArrayList<>()).add(v));
        }
        List<Events.HParam> out = new ArrayList<>();
        values.forEach((name, vs) -> {
            boolean numbers = true;
            boolean bools = true;
            double min = Double.POSITIVE_INFINITY;
            double max = Double.NEGATIVE_INFINITY;
            Set<Object> seen = new LinkedHashSet<>();
            for (Object v : vs) {
                if (v instanceof Number n) {
                    min = Math.min(min, n.doubleValue());
                    max = Math.max(max, n.doubleValue());
                } else {
                    numbers = false;
                }
                if (!(v instanceof Boolean)) bools = false;
                if (seen.size() <= 1000) seen.add(v instanceof Number || v instanceof Boolean ? v : String.valueOf(v));
            }
            if (numbers) {
                out.add(new Events.HParam(name, Events.HParamType.FLOAT64, min, max, List.of()));
            } else if (bools) {
                out.add(new Events.HParam(name, Events.HParamType.BOOL, 0, 0, List.of(false, true)));
            } else {
                List<Object> strings = new ArrayList<>();
                for (Object v : seen) strings.add(String.valueOf(v));
                out.add(new Events.HParam(name, Events.HParamType.STRING, 0, 0, seen.size() > 1000 ? List.of() : strings));
            }
        });
        return out;
    }

    private String fileName() {
        long secs = clock.millis() / 1000;
        return "events.out.tfevents." + secs + "." + host + "." + ProcessHandle.current().pid() + "." + (++files) + ".gale";
    }

    private static String hostName() {
        try {
            String h = InetAddress.getLocalHost().getHostName();
            return h.replaceAll("[^A-Za-z0-9_-]", "_");
        } catch (IOException | RuntimeException e) {
            return "localhost";
        }
    }
}
