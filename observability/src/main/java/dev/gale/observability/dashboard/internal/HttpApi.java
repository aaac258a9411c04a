package dev.gale.observability.dashboard.internal;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import dev.gale.observability.experiment.ExperimentView;
import dev.gale.observability.experiment.TrialView;
import dev.gale.observability.experiment.internal.ExperimentModel;
import dev.gale.tune.Mode;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The dashboard's HTTP routes: the page and its assets (from the classpath, under
 * {@code dev/gale/observability/dashboard/web/}, ECharts included), the JSON API, and the
 * server-sent event stream. Read-only: only GET is answered. With a token, a request without it
 * gets 401 and nothing else.
 */
public final class HttpApi implements HttpHandler {
    private static final String WEB = "dev/gale/observability/dashboard/web/";
    /**
     * ECharts 5.3.1 with only the charts and components the page uses (built from npm by
     * {@code observability/web/build.sh}; its licences are in {@code licenses/} beside it).
     */
    public static final String ECHARTS = WEB + "echarts.min.js";
    /** Curves drawn per plot (the best trials when there are more). */
    public static final int MAX_CURVES = 50;
    /** Points per curve in the plots (every point is in the trial's own view). */
    public static final int MAX_POINTS = 300;

    private final Registry registry;
    private final EventHub hub;
    private final ObjectMapper mapper;
    private final byte[] token;
    private volatile boolean closing;

    private final ClusterView cluster;

    public HttpApi(Registry registry, ClusterView cluster, EventHub hub, ObjectMapper mapper, String token) {
        this.registry = registry;
        this.cluster = cluster;
        this.hub = hub;
        this.mapper = mapper;
        this.token = token == null ? null : token.getBytes(StandardCharsets.UTF_8);
        this.cache = new ResponseCache(mapper);
    }

    private final ResponseCache cache;

    /** Ends the event streams (the server is stopping). */
    public void closing() {
        closing = true;
    }

    @Override
    public void handle(HttpExchange x) throws IOException {
        try (x) {
            if (!"GET".equals(x.getRequestMethod())) {
                send(x, 405, "text/plain", "only GET".getBytes(StandardCharsets.UTF_8));
                return;
            }
            Map<String, String> q = query(x.getRequestURI().getRawQuery());
            if (!authorized(x, q)) {
                send(x, 401, "text/plain", "token required: open the URL gale dashboard printed (it ends with ?token=...)".getBytes(StandardCharsets.UTF_8));
                return;
            }
            String path = x.getRequestURI().getPath();
            route(x, path, q);
        } catch (RuntimeException e) {
            try {
                send(x, 500, "text/plain", String.valueOf(e).getBytes(StandardCharsets.UTF_8));
            } catch (IOException | RuntimeException ignored) {
                // headers already sent: the page sees a broken response
            }
        }
    }

    private void route(HttpExchange x, String path, Map<String, String> q) throws IOException {
        switch (path) {
            case "/", "/index.html" -> index(x);
            case "/static/app.js" -> resource(x, WEB + "app.js", "text/javascript; charset=utf-8");
            case "/static/app.css" -> resource(x, WEB + "app.css", "text/css; charset=utf-8");
            case "/static/echarts.min.js" -> cachedResource(x, ECHARTS, "text/javascript; charset=utf-8");
            case "/api/experiments" -> {
                List<Object> out = new ArrayList<>();
                for (ExperimentModel m : registry.all()) out.add(JsonViews.summary(m.view()));
                json(x, out);
            }
            case "/api/events" -> events(x);
            case "/api/cluster" -> json(x, cluster.json());
            default -> {
                if (path.startsWith("/api/experiments/")) experimentRoute(x, path.substring("/api/experiments/".length()), q);
                else notFound(x, "no page " + path);
            }
        }
    }

    private void experimentRoute(HttpExchange x, String rest, Map<String, String> q) throws IOException {
        String[] parts = rest.split("/", 3);
        ExperimentModel m = registry.get(parts[0]);
        if (m == null) {
            notFound(x, "no experiment " + parts[0]);
            return;
        }
        ExperimentView v = m.view();
        if (parts.length == 1) {
            long t0 = System.nanoTime();
            byte[] body = rows(m.id(), v, "compact".equals(q.get("rows")));
            serverTiming(x, t0);
            send(x, 200, JSON, body);
        } else if (parts.length == 2 && parts[1].equals("plots")) {
            long t0 = System.nanoTime();
            byte[] body = plots(m.id(), v, q.get("metric"), q.get("mode"), q.get("metric2"), q.get("mode2"));
            serverTiming(x, t0);
            send(x, 200, JSON, body);
        } else if (parts.length == 3 && parts[1].equals("trials")) {
            TrialView t = v.trial(parts[2]);
            if (t == null) notFound(x, "no trial " + parts[2] + " in " + parts[0]);
            else json(x, JsonViews.trial(t));
        } else {
            notFound(x, "no page /api/experiments/" + rest);
        }
    }

    /** The experiment with a row per trial (in columns when {@code compact}), from the cache when it is there. */
    private byte[] rows(String id, ExperimentView v, boolean compact) {
        return compact ? cache.get(id + "\ncompact", v.version(), () -> JsonViews.experimentCompact(v))
                : cache.get(id + "\n", v.version(), () -> JsonViews.experiment(v));
    }

    /**
     * The plots' data for the request's metric and mode (the experiment's own, or its first metric,
     * when not given) and second objective, from the cache when it is there.
     */
    private byte[] plots(String id, ExperimentView v, String metricParam, String modeParam, String metric2, String mode2Param) {
        String metric = metricParam == null ? v.metric() : metricParam;
        if (metric == null || metric.isBlank()) metric = v.metrics().isEmpty() ? "" : v.metrics().get(0);
        Mode mode = mode(modeParam, metric.equals(v.metric()) ? v.mode() : Mode.MIN);
        Mode mode2 = mode(mode2Param, Mode.MIN);
        String key = id + "\nplots\n" + metric + "\n" + mode + "\n" + metric2 + "\n" + mode2;
        String m1 = metric;
        return cache.get(key, v.version(), () -> JsonViews.plots(v, m1, mode, metric2, mode2, MAX_CURVES, MAX_POINTS));
    }

    /**
     * Computes the answers a page's first load of {@code m} asks for (its rows in columns and the
     * plots of its own metric, as {@code app.js} requests them) into the cache, so that the first
     * page opened on a finished experiment gets them at once. A request arriving meanwhile waits for
     * this computation instead of repeating it. Nothing is computed once the server is closing.
     */
    public void prepare(ExperimentModel m) {
        if (closing) return;
        ExperimentView v = m.view();
        rows(m.id(), v, true);
        if (closing) return;
        // as app.js asks: the experiment's metric (else its first), in the experiment's mode (else MIN)
        String metric = v.metric() != null && !v.metric().isBlank() ? v.metric() : v.metrics().isEmpty() ? null : v.metrics().get(0);
        if (metric == null) return;
        plots(m.id(), v, metric, v.mode() != null ? v.mode().name() : "MIN", null, null);
    }

    /**
     * How long the answer took to compute (or to find in the cache), as a {@code Server-Timing}
     * header: the browser shows it beside the request, and the bench prints it.
     */
    private static void serverTiming(HttpExchange x, long t0) {
        x.getResponseHeaders().set("Server-Timing", String.format(java.util.Locale.ROOT, "json;dur=%.1f", (System.nanoTime() - t0) / 1e6));
    }

    private static Mode mode(String s, Mode dflt) {
        if (s == null || s.isBlank()) return dflt == null ? Mode.MIN : dflt;
        return s.equalsIgnoreCase("max") ? Mode.MAX : Mode.MIN;
    }

    private void events(HttpExchange x) throws IOException {
        x.getResponseHeaders().set("Content-Type", "text/event-stream; charset=utf-8");
        x.getResponseHeaders().set("Cache-Control", "no-cache");
        x.sendResponseHeaders(200, 0);
        EventHub.Client c = hub.connect();
        OutputStream out = x.getResponseBody();
        try {
            out.write(": connected\n\n".getBytes(StandardCharsets.UTF_8));
            out.flush();
            while (!closing) {
                String e = c.poll(10_000);
                // a comment every 10 s when idle: finds pages that went away
                out.write((e == null ? ": idle\n\n" : e).getBytes(StandardCharsets.UTF_8));
                out.flush();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (IOException gone) {
            // the page closed the stream
        } finally {
            hub.disconnect(c);
        }
    }

    private boolean authorized(HttpExchange x, Map<String, String> q) {
        if (token == null) return true;
        String given = q.get("token");
        if (given == null) {
            String h = x.getRequestHeaders().getFirst("Authorization");
            if (h != null && h.startsWith("Bearer ")) given = h.substring(7).trim();
        }
        return given != null && MessageDigest.isEqual(token, given.getBytes(StandardCharsets.UTF_8));
    }

    private void json(HttpExchange x, Object body) throws IOException {
        send(x, 200, JSON, mapper.writeValueAsBytes(body));
    }

    private static final String JSON = "application/json; charset=utf-8";

    private static void notFound(HttpExchange x, String why) throws IOException {
        send(x, 404, "text/plain; charset=utf-8", why.getBytes(StandardCharsets.UTF_8));
    }

    private static void resource(HttpExchange x, String name, String type) throws IOException {
        try (InputStream in = HttpApi.class.getClassLoader().getResourceAsStream(name)) {
            if (in == null) {
                notFound(x, "missing from the jar: " + name);
                return;
            }
            send(x, 200, type, in.readAllBytes());
        }
    }

    /**
     * The page; with a token, the URLs of its scripts, style and preloaded answer carry it (the
     * browser requests them without the page's query, and every request must carry the token).
     */
    private void index(HttpExchange x) throws IOException {
        if (token == null) {
            resource(x, WEB + "index.html", "text/html; charset=utf-8");
            return;
        }
        String html;
        try (InputStream in = HttpApi.class.getClassLoader().getResourceAsStream(WEB + "index.html")) {
            if (in == null) {
                notFound(x, "missing from the jar: " + WEB + "index.html");
                return;
            }
            html = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        String t = java.net.URLEncoder.encode(new String(token, StandardCharsets.UTF_8), StandardCharsets.UTF_8);
        html = java.util.regex.Pattern.compile("((?:src|href)=\"(?:static|api)/[^\"?]+)(\\?[^\"]*)?\"").matcher(html)
                .replaceAll(r -> java.util.regex.Matcher.quoteReplacement(r.group(1)
                        + (r.group(2) == null ? "?" : r.group(2) + "&") + "token=" + t + "\""));
        send(x, 200, "text/html; charset=utf-8", html.getBytes(StandardCharsets.UTF_8));
    }

    private final Map<String, byte[]> library = new java.util.concurrent.ConcurrentHashMap<>();

    /**
     * A third-party library from the jar (its version is in the page's URL of it): read once, and
     * cacheable by the browser for a day, so a reload neither fetches nor compiles its megabyte again.
     */
    private void cachedResource(HttpExchange x, String name, String type) throws IOException {
        byte[] body = library.get(name);
        if (body == null) {
            try (InputStream in = HttpApi.class.getClassLoader().getResourceAsStream(name)) {
                if (in == null) {
                    notFound(x, "missing from the jar: " + name);
                    return;
                }
                body = in.readAllBytes();
            }
            library.put(name, body);
        }
        x.getResponseHeaders().set("Content-Type", type);
        x.getResponseHeaders().set("Cache-Control", "private, max-age=86400");
        x.sendResponseHeaders(200, body.length);
        x.getResponseBody().write(body);
    }

    private static void send(HttpExchange x, int code, String type, byte[] body) throws IOException {
        x.getResponseHeaders().set("Content-Type", type);
        x.getResponseHeaders().set("Cache-Control", "no-store");
        x.sendResponseHeaders(code, body.length == 0 ? -1 : body.length);
        if (body.length > 0) x.getResponseBody().write(body);
    }

    private static Map<String, String> query(String raw) {
        Map<String, String> m = new HashMap<>();
        if (raw == null || raw.isEmpty()) return m;
        for (String kv : raw.split("&")) {
            int i = kv.indexOf('=');
            String k = URLDecoder.decode(i < 0 ? kv : kv.substring(0, i), StandardCharsets.UTF_8);
            String v = i < 0 ? "" : URLDecoder.decode(kv.substring(i + 1), StandardCharsets.UTF_8);
            m.put(k, v);
        }
        return m;
    }
}
