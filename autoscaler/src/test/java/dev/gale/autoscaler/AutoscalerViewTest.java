package dev.gale.autoscaler;

import dev.gale.cluster.AutoscalerView;
import dev.gale.cluster.GaleNode;
import dev.gale.cluster.LeaseReply;
import dev.gale.cluster.NodeConfig;
import dev.gale.cluster.ResourceManager;
import dev.gale.gpu.NodeInventory;
import dev.gale.gpu.ResourceSpec;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Props;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.receptionist.Receptionist;
import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The autoscaler answers the cluster module's {@link AutoscalerView} (what the dashboard asks,
 * which cannot depend on this module), also from another member: its instances and the demand no
 * node type can hold.
 */
class AutoscalerViewTest {
    static final long GIB = 1L << 30;
    static final Duration LONG = Duration.ofSeconds(60);

    /** Accepts every launch; its nodes never join (the instance stays launched, not joined). */
    static final class AcceptingProvider implements NodeProvider {
        final List<ProviderInstance> launched = new CopyOnWriteArrayList<>();

        @Override
        public String type() {
            return "test";
        }

        @Override
        public ProviderInstance launch(LaunchRequest request) {
            ProviderInstance i = new ProviderInstance(request.instanceId(), "p-" + launched.size(), request.type().name(),
                    ProviderInstance.State.RUNNING, "booting");
            launched.add(i);
            return i;
        }

        @Override
        public List<ProviderInstance> list() {
            return new ArrayList<>(launched);
        }

        @Override
        public void terminate(ProviderInstance instance) {
            launched.removeIf(i -> i.instanceId().equals(instance.instanceId()));
        }
    }

    @Test
    void theViewListsInstancesAndUnsatisfiableDemandToAnotherMember() throws Exception {
        NodeType cpu2 = NodeType.of("cpu-2", NodeResources.cpu(2, GIB), 0.10, 0, 2);
        AutoscalerSettings s = AutoscalerSettings.defaults().withTick(Duration.ofMillis(200)).withJoinTimeout(Duration.ofMinutes(5));
        ClusterConfig c = new ClusterConfig("viewed", HeadConfig.defaults(), ProviderConfig.local(), s, List.of(cpu2));
        AcceptingProvider provider = new AcceptingProvider();
        try (GaleNode head = GaleNode.start(new NodeConfig("127.0.0.1", 0, List.of(), new NodeInventory(1, 2 * GIB, List.of(), Map.of())));
             Autoscaler autoscaler = Autoscaler.start(head, c, provider, Clock.systemUTC(), new SplittableRandom(3))) {
            ActorRef<LeaseReply> inbox = head.system().systemActorOf(Behaviors.ignore(), "test-inbox", Props.empty());
            head.resourceManager().tell(new ResourceManager.RequestLease("two-cpus", ResourceSpec.ofCpus(2), inbox, "exp-a", null));
            head.resourceManager().tell(new ResourceManager.RequestLease("a-gpu", ResourceSpec.ofCpus(1).withGpus(1), inbox, "exp-b", null));
            try (GaleNode client = GaleNode.connect(head.address())) {
                long deadline = System.nanoTime() + LONG.toNanos();
                AutoscalerView.Snapshot v = null;
                while (v == null || v.instances().isEmpty() || v.unsatisfiable().isEmpty()) {
                    if (System.nanoTime() > deadline) throw new AssertionError("no instance and unsatisfiable demand in the view within " + LONG + ": " + v);
                    v = ask(client);
                    if (v == null || v.instances().isEmpty() || v.unsatisfiable().isEmpty()) Thread.sleep(200);
                }
                AutoscalerStatus own = autoscaler.status(LONG);
                assertEquals("viewed", v.cluster());
                assertEquals(own.provider(), v.provider(), "the provider as the autoscaler's own status names it");
                assertEquals(1, v.instances().size(), v.toString());
                AutoscalerView.Instance i = v.instances().getFirst();
                assertEquals("cpu-2", i.nodeType());
                assertEquals(provider.launched.getFirst().instanceId(), i.instanceId());
                assertTrue(Set.of("REQUESTED", "ALLOCATED").contains(i.state()), i.toString());
                assertEquals("", i.nodeId(), "not joined");
                assertEquals(1, v.unsatisfiable().size(), v.toString());
                assertTrue(v.unsatisfiable().getFirst().contains("gpus=1") && v.unsatisfiable().getFirst().contains("no node type can hold it"),
                        v.unsatisfiable().toString());
                assertEquals(0.10, v.costPerHour(), 1e-9);
            }
        }
    }

    /** The view from the receptionist of {@code member}, or null when none is registered there yet. */
    private static AutoscalerView.Snapshot ask(GaleNode member) throws Exception {
        var system = member.system();
        Receptionist.Listing l = AskPattern.<Receptionist.Command, Receptionist.Listing>ask(system.receptionist(),
                r -> Receptionist.find(AutoscalerView.KEY, r), LONG, system.scheduler()).toCompletableFuture().get(LONG.toSeconds(), TimeUnit.SECONDS);
        Set<ActorRef<AutoscalerView.Query>> refs = l.getServiceInstances(AutoscalerView.KEY);
        if (refs.isEmpty()) return null;
        return AskPattern.<AutoscalerView.Query, AutoscalerView.Snapshot>ask(refs.iterator().next(), AutoscalerView.Query::new, LONG,
                system.scheduler()).toCompletableFuture().get(LONG.toSeconds(), TimeUnit.SECONDS);
    }
}
