package dev.gale.observability.dashboard.internal;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.gale.observability.experiment.internal.ExperimentModel;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The live feed: every {@code tickMillis} it takes what changed in each experiment (an in-memory
 * drain of the models the callbacks fill; no file is read) and hands one server-sent event per
 * changed experiment to every connected page. Each page has its own bounded queue: a page that
 * falls {@value #CLIENT_QUEUE} events behind gets a {@code reload} event instead of the rest (it
 * then re-reads the experiment), so a slow page never holds up the feed or another page.
 */
public final class EventHub implements AutoCloseable {
    /** Events queued for one page before it is told to reload. */
    public static final int CLIENT_QUEUE = 256;
    /** The event a page gets when it fell behind. */
    public static final String RELOAD = "event: reload\ndata: {}\n\n";

    /** One connected page. */
    public static final class Client {
        private final BlockingQueue<String> queue = new ArrayBlockingQueue<>(CLIENT_QUEUE);

        void offer(String event) {
            if (!queue.offer(event)) {
                queue.clear();
                queue.offer(RELOAD);
            }
        }

        /** The next event, or null when none came within {@code millis}. */
        public String poll(long millis) throws InterruptedException {
            return queue.poll(millis, TimeUnit.MILLISECONDS);
        }
    }

    private final Registry registry;
    private final ObjectMapper mapper;
    private final List<Client> clients = new CopyOnWriteArrayList<>();
    private final ScheduledExecutorService ticker;
    private final ClusterView cluster;
    private long clusterSent;

    public EventHub(Registry registry, ClusterView cluster, ObjectMapper mapper, long tickMillis) {
        this.registry = registry;
        this.cluster = cluster;
        this.mapper = mapper;
        this.ticker = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "gale-dashboard-feed");
            t.setDaemon(true);
            return t;
        });
        registry.onAdd(m -> broadcast("added", Map.of("exp", m.id())));
        ticker.scheduleWithFixedDelay(this::tick, tickMillis, tickMillis, TimeUnit.MILLISECONDS);
    }

    /** Registers a page. */
    public Client connect() {
        Client c = new Client();
        clients.add(c);
        return c;
    }

    /** Unregisters a page. */
    public void disconnect(Client c) {
        clients.remove(c);
    }

    /** Pages connected now. */
    public int clients() {
        return clients.size();
    }

    private void tick() {
        try {
            boolean changed = false;
            for (ExperimentModel m : registry.all()) {
                ExperimentModel.Delta d = m.drain();
                if (!d.isEmpty()) {
                    changed = true;
                    broadcast("delta", JsonViews.delta(m, d));
                }
            }
            if (changed) {
                // worker groups of distributed training: rows of running trials with per-rank samples/s
                java.util.Map<String, java.util.List<ExperimentModel.WorkerGroup>> groups = new java.util.LinkedHashMap<>();
                for (ExperimentModel m : registry.all()) {
                    java.util.List<ExperimentModel.WorkerGroup> g = m.workerGroups();
                    if (!g.isEmpty()) groups.put(m.id(), g);
                }
                cluster.workerGroups(groups);
            }
            long v = cluster.version();
            if (v != clusterSent) {
                clusterSent = v;
                broadcast("cluster", cluster.json());
            }
        } catch (RuntimeException e) {
            org.slf4j.LoggerFactory.getLogger(EventHub.class).warn("dashboard feed: {}", e.toString(), e);
        }
    }

    private void broadcast(String event, Object data) {
        if (clients.isEmpty()) return;
        String text;
        try {
            text = "event: " + event + "\ndata: " + mapper.writeValueAsString(data) + "\n\n";
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("dashboard event not serializable: " + e.getMessage(), e);
        }
        for (Client c : clients) c.offer(text);
    }

    @Override
    public void close() {
        ticker.shutdownNow();
    }
}
