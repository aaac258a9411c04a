package dev.gale.observability.dashboard;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import dev.gale.cluster.DemandSnapshot;
import dev.gale.cluster.GaleNode;
import dev.gale.cluster.ResourceManager;
import dev.gale.observability.dashboard.internal.AutoscalerWatcher;
import dev.gale.observability.dashboard.internal.ClusterView;
import dev.gale.observability.dashboard.internal.DemandListener;
import dev.gale.observability.dashboard.internal.EventHub;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Props;
import dev.gale.observability.dashboard.internal.HttpApi;
import dev.gale.observability.dashboard.internal.Registry;
import dev.gale.observability.experiment.ExperimentView;
import dev.gale.observability.experiment.internal.DirectoryLoader;
import dev.gale.observability.experiment.internal.ExperimentModel;

import java.io.IOException;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * The web dashboard: a page of experiments, their trials and their plots, served over HTTP by the
 * JDK's own server. Finished experiments are read once from their directories ({@link #add});
 * running ones are fed live by a {@link DashboardCallback} ({@link #callback()}), and every open
 * page gets their changes as server-sent events within about {@value #TICK_MILLIS} ms.
 *
 * <p>Promises: binds only the configured address (127.0.0.1 by default; elsewhere only with a
 * token, which every request must then carry); a port in use fails {@link #start} with one line
 * saying so; serves only GET and changes no file; {@link #close} stops the server and its threads.
 * The first answers of an experiment that no longer changes (its run ended, or it was read from its
 * directory) are computed ahead, on one background thread, so that the first page opened gets them
 * at once.
 */
public final class Dashboard implements AutoCloseable {
    /** How often the live feed sends what changed. */
    public static final long TICK_MILLIS = 100;

    private final DashboardConfig config;
    private final Registry registry = new Registry();
    private final ClusterView cluster = new ClusterView();
    private final List<Runnable> unwatch = new java.util.concurrent.CopyOnWriteArrayList<>();
    private final EventHub hub;
    private final HttpApi api;
    private final HttpServer server;
    private final ExecutorService executor;

    private Dashboard(DashboardConfig config) throws IOException {
        this.config = config;
        ObjectMapper mapper = new ObjectMapper();
        this.hub = new EventHub(registry, cluster, mapper, TICK_MILLIS);
        this.api = new HttpApi(registry, cluster, hub, mapper, config.token());
        HttpServer s;
        try {
            s = HttpServer.create(new InetSocketAddress(config.host(), config.port()), 64);
        } catch (BindException e) {
            hub.close();
            throw new IllegalStateException("dashboard: port " + config.port() + " on " + config.host()
                    + " is in use: choose another with --port (0 picks a free one)", e);
        } catch (IOException | RuntimeException e) {
            hub.close();
            throw e;
        }
        this.server = s;
        this.executor = Executors.newVirtualThreadPerTaskExecutor();
        server.setExecutor(executor);
        server.createContext("/", api);
        server.start();
        registry.onSettled(this::prepare);
    }

    /**
     * One thread that computes the first answers of experiments that no longer change (finished
     * runs, experiments read from their directories), so that the first page opened on one does not
     * wait for its JSON (a second or so for 10,000 trials on a cold JVM).
     */
    private final ExecutorService preparer = Executors.newSingleThreadExecutor(Thread.ofVirtual().name("gale-dashboard-prepare").factory());

    private void prepare(ExperimentModel m) {
        try {
            preparer.execute(() -> {
                try {
                    api.prepare(m);
                } catch (RuntimeException e) {
                    // a page asking for it computes it again and shows the error
                }
            });
        } catch (java.util.concurrent.RejectedExecutionException closed) {
            // the dashboard is closing: nothing to prepare
        }
    }

    /**
     * Starts a dashboard.
     *
     * @throws IllegalStateException when the port is in use (one line saying so)
     * @throws IOException           when the address cannot be bound for another reason
     */
    public static Dashboard start(DashboardConfig config) throws IOException {
        return new Dashboard(config);
    }

    /**
     * Adds the experiment in {@code dir}, read now through {@code ExperimentReader} (lines of a
     * {@code result.jsonl} that are not JSON are kept and shown as such).
     *
     * @return its id in the dashboard
     * @throws IllegalArgumentException when {@code dir} is not an experiment directory
     */
    public String add(Path dir) {
        Path name = dir.toAbsolutePath().normalize().getFileName();
        ExperimentModel m = registry.add(name == null ? "experiment" : name.toString(), id -> DirectoryLoader.load(dir, id));
        registry.settled(m); // read once: it no longer changes here
        return m.id();
    }

    /**
     * A callback that shows the experiment it is registered with live (add it with
     * {@code RunConfig.withCallbacks(...)}); one per experiment.
     */
    public DashboardCallback callback() {
        return new DashboardCallback(registry);
    }

    /**
     * Shows the cluster {@code node} belongs to: its nodes with their CPUs, memory and GPUs (total
     * and free), labels, draining and idle state, and the waiting demand (flagged when no node shape
     * could hold it), from the ResourceManager's demand stream (pushed on change, at most every 500 ms);
     * and, when an autoscaler runs in that cluster, its instances (type, state, node, since when, why)
     * and the demand no node type can hold, asked of it every {@link #AUTOSCALER_EVERY}. Worker groups
     * of distributed training are shown without it (from the running trials' results).
     */
    public void watch(GaleNode node) {
        int n = WATCHERS.incrementAndGet();
        ActorRef<DemandSnapshot> ref = node.system().systemActorOf(DemandListener.create(cluster::accept),
                "gale-dashboard-demand-" + n, Props.empty());
        node.resourceManager().tell(new ResourceManager.SubscribeDemand(ref));
        // the listener, idle once unsubscribed, ends with the node's actor system
        unwatch.add(() -> node.resourceManager().tell(new ResourceManager.UnsubscribeDemand(ref)));
        ActorRef<AutoscalerWatcher.Command> scaler = node.system().systemActorOf(
                AutoscalerWatcher.create(cluster::autoscaler, AUTOSCALER_EVERY, java.time.Duration.ofSeconds(10)),
                "gale-dashboard-autoscaler-" + n, Props.empty());
        unwatch.add(() -> scaler.tell(AutoscalerWatcher.Stop.INSTANCE));
    }

    /** How often the cluster view asks the autoscaler (when one runs in the cluster) for its instances. */
    public static final java.time.Duration AUTOSCALER_EVERY = java.time.Duration.ofSeconds(2);

    private static final java.util.concurrent.atomic.AtomicInteger WATCHERS = new java.util.concurrent.atomic.AtomicInteger();

    /** The experiments shown now, as they are now. */
    public List<ExperimentView> experiments() {
        List<ExperimentView> out = new ArrayList<>();
        for (ExperimentModel m : registry.all()) out.add(m.view());
        return out;
    }

    /** The port the server listens on. */
    public int port() {
        return server.getAddress().getPort();
    }

    /** The page's address, with the token when there is one. */
    public URI url() {
        String host = config.host().contains(":") ? "[" + config.host() + "]" : config.host();
        String q = config.token() == null ? "" : "?token=" + URLEncoder.encode(config.token(), StandardCharsets.UTF_8);
        return URI.create("http://" + host + ":" + port() + "/" + q);
    }

    /** Pages connected to the live feed now. */
    public int liveClients() {
        return hub.clients();
    }

    @Override
    public void close() {
        for (Runnable r : unwatch) r.run();
        api.closing();
        hub.close();
        server.stop(0);
        executor.shutdownNow();
        preparer.shutdownNow(); // a computation under way (under a second) ends on its own; nothing waits for it
    }
}
