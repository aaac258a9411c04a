package dev.gale.autoscaler;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The promises of {@link NodeProvider} checked the same way for every provider (subclasses supply
 * the provider and its infrastructure): a launched node is found by the cluster's tags, also by a
 * new provider instance (as {@code gale cluster down} after a head crash), with its instance id and
 * type; nodes of other clusters are not listed; terminate is idempotent and the node is gone; what
 * a node is started with never holds the cluster secret's password.
 */
abstract class NodeProviderContract {
    static final long GIB = 1L << 30;
    /** The password of the cluster secret in these tests: it must never show. */
    static final String SECRET = "s3cret-Passw0rd-never-shown";

    final List<NodeProvider> opened = new ArrayList<>();

    /** Provider settings for a cluster whose secret's password is {@link #SECRET} (as a reference, never the value). */
    abstract ProviderConfig config(Path dir);

    /** A provider of the implementation under test. */
    abstract NodeProvider open(ProviderContext ctx);

    /** Makes the infrastructure report the node as running (Kubernetes: the pod's phase; EC2: the instance state). */
    void becomeRunning(ProviderInstance i) {
    }

    /** Everything the node is started with, as text (command line, pod spec, user data). */
    abstract String startedWith(ProviderInstance i);

    ClusterConfig cluster(String name, Path dir) {
        NodeType t = new NodeType("cpu-2", NodeResources.cpu(2, GIB), 0.1, 0, 5, Map.of());
        return new ClusterConfig(name, new HeadConfig("127.0.0.1", 25599, null, Map.of(), dir.resolve("cluster.p12"),
                dir.resolve("password.txt")), config(dir), AutoscalerSettings.defaults(), List.of(t));
    }

    NodeProvider provider(ClusterConfig c, Path dir) {
        NodeProvider p = open(new ProviderContext(c, dir.resolve("state"), Clock.systemUTC()));
        opened.add(p);
        return p;
    }

    Path dir() throws Exception {
        Path d = Path.of("target", "contract", getClass().getSimpleName()).toAbsolutePath();
        Files.createDirectories(d);
        Files.writeString(d.resolve("password.txt"), SECRET);
        Files.write(d.resolve("cluster.p12"), new byte[]{1, 2, 3});
        return d;
    }

    @AfterEach
    void cleanUp() {
        for (NodeProvider p : opened) {
            try {
                Autoscaler.down(p);
            } finally {
                p.close();
            }
        }
    }

    @Test
    void aLaunchedNodeIsListedByItsTagsAlsoByANewProviderAndTerminateIsIdempotent() throws Exception {
        Path dir = dir();
        ClusterConfig c = cluster("contract-a", dir);
        NodeProvider p = provider(c, dir);
        ProviderInstance launched = p.launch(new LaunchRequest(c.name(), "contract-a-1", c.type("cpu-2"), "127.0.0.1:25599", true));
        assertEquals("contract-a-1", launched.instanceId());
        becomeRunning(launched);
        NodeProvider fresh = provider(c, dir);
        List<ProviderInstance> listed = fresh.list();
        assertEquals(1, listed.size(), "found by the cluster's tags: " + listed);
        ProviderInstance i = listed.getFirst();
        assertEquals("contract-a-1", i.instanceId());
        assertEquals("cpu-2", i.nodeType());
        assertEquals(launched.providerId(), i.providerId());
        assertEquals(ProviderInstance.State.RUNNING, i.state(), i.toString());
        String text = startedWith(i);
        assertTrue(text.contains("gale-cluster=contract-a") || text.contains("contract-a"), "the node carries the cluster's name: " + text);
        assertFalse(text.contains(SECRET), "the cluster secret's password never reaches what a node is started with");
        fresh.terminate(i);
        fresh.terminate(i);
        assertTrue(gone(fresh), "terminated: " + fresh.list());
    }

    /** True once the provider lists no node, or only terminated ones (within a deadline). */
    boolean gone(NodeProvider p) throws InterruptedException {
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (System.nanoTime() < deadline) {
            if (p.list().stream().allMatch(x -> x.state() == ProviderInstance.State.TERMINATED)) return true;
            Thread.sleep(100);
        }
        return false;
    }

    @Test
    void nodesOfOtherClustersAreNotListed() throws Exception {
        Path dir = dir();
        ClusterConfig a = cluster("contract-b", dir);
        ClusterConfig b = cluster("contract-c", dir);
        NodeProvider pa = provider(a, dir);
        NodeProvider pb = provider(b, dir);
        pa.launch(new LaunchRequest(a.name(), "contract-b-1", a.type("cpu-2"), "127.0.0.1:25599", false));
        assertEquals(1, pa.list().size());
        assertEquals(List.of(), pb.list(), "another cluster's provider lists nothing of this one");
    }
}
