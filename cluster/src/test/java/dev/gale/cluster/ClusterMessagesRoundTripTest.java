package dev.gale.cluster;

import dev.gale.gpu.Allocation;
import dev.gale.gpu.GpuDevice;
import dev.gale.gpu.GpuShare;
import dev.gale.gpu.NodeInventory;
import dev.gale.gpu.ResourceSpec;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.serialization.Serialization;
import org.apache.pekko.serialization.SerializationExtension;
import org.apache.pekko.serialization.Serializer;
import org.apache.pekko.serialization.Serializers;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every message of the placement, demand, drain, consolidation and failover protocols crosses JVMs: each one
 * round-trips through the Jackson CBOR serializer unchanged (records with {@code ActorRef},
 * {@code Duration}, {@code Instant}, nested bundles and label maps).
 */
class ClusterMessagesRoundTripTest {
    static ActorTestKit kit;
    static Serialization ser;

    @BeforeAll
    static void start() {
        kit = ActorTestKit.create("roundtrip", GaleNode.config(NodeConfig.embedded()));
        ser = SerializationExtension.get(kit.system().classicSystem());
    }

    @AfterAll
    static void stop() {
        kit.shutdownTestKit();
    }

    static Object roundTrip(Object msg) {
        Serializer s = ser.findSerializerFor(msg);
        assertTrue(s.getClass().getName().contains("Jackson"), msg.getClass().getSimpleName() + " uses " + s.getClass().getName());
        byte[] bytes = ser.serialize(msg).get();
        return ser.deserialize(bytes, s.identifier(), Serializers.manifestFor(s, msg)).get();
    }

    @Test
    void everyNewMessageRoundTrips() {
        ResourceSpec spec = new ResourceSpec(2, 0.5, 8L << 30, 1L << 30, Map.of("license", 1.0), "A100");
        Allocation alloc = new Allocation(spec, 2, 1L << 30, List.of(new GpuShare(1, 0.5, 8L << 30)), Map.of("license", 1.0));
        NodeInventory inv = new NodeInventory(8, 32L << 30,
                List.of(new GpuDevice(0, "GPU-a", "NVIDIA A100", 40L << 30, 0, 3.0)), Map.of("license", 2.0));
        ActorRef<NodeAgent.Command> agent = kit.createTestProbe(NodeAgent.Command.class).ref();
        ActorRef<LeaseReply> replies = kit.createTestProbe(LeaseReply.class).ref();
        Lease lease = new Lease("L1", "k", "pekko://gale@127.0.0.1:1", agent, alloc);
        Bundle gang = new Bundle(List.of(spec, ResourceSpec.ofCpus(1)), Placement.STRICT_SPREAD, Map.of("zone", "a"));
        ResourceManager.Want want = new ResourceManager.Want("k", gang, 3, 2, Duration.ofSeconds(30), true);
        Instant t = Instant.parse("2025-01-01T00:00:00Z");
        DemandSnapshot snap = new DemandSnapshot(t,
                List.of(new DemandSnapshot.Waiting("h", "k", "exp", gang, 3, t.minusSeconds(5), Duration.ofSeconds(5), true)), 7,
                List.of(new DemandSnapshot.NodeState("pekko://gale@127.0.0.1:1", inv, 6, 31L << 30, List.of(0.5), List.of(32L << 30),
                        Map.of("license", 1.0), Map.of("zone", "a"), true, t.plusSeconds(60), null, 1)));
        NodeAgent.RunningLease running = new NodeAgent.RunningLease("L1", alloc, List.of("w#0"), "pekko://gale@127.0.0.1:2");
        List<ClusterMessage> msgs = List.of(
                new ResourceManager.RegisterNode("pekko://gale@127.0.0.1:1", inv, agent, Map.of("zone", "a"), List.of(running), 123L),
                new ResourceManager.Demand("h", "exp", replies, want),
                new ResourceManager.Demand("h", "exp", replies, new ResourceManager.Want("k2", Bundle.of(spec), 0, 0, null, false)),
                new ResourceManager.SyncHolder("h", "exp", replies, List.of(lease), List.of(want)),
                new ResourceManager.WithdrawHolder("h"),
                new ResourceManager.SubscribeDemand(kit.createTestProbe(DemandSnapshot.class).ref()),
                new ResourceManager.UnsubscribeDemand(kit.createTestProbe(DemandSnapshot.class).ref()),
                new ResourceManager.DrainNode("pekko://gale@127.0.0.1:1", Duration.ofSeconds(60),
                        kit.createTestProbe(ResourceManager.DrainReply.class).ref()),
                new ResourceManager.DrainReply.Drained("pekko://gale@127.0.0.1:1", 2),
                new ResourceManager.DrainReply.UnknownNode("x", List.of("a", "b")),
                new LeaseReply.BundleGranted("h", "k", List.of(lease, lease)),
                new LeaseReply.Refused("k", "fits no node"),
                new LeaseReply.TimedOut("k", "starved"),
                new LeaseReply.MoveRequested("k", "L1", t.plusSeconds(60)),
                new ResourceManager.SetMovable("L1", true),
                new ResourceManager.Consolidate(3, Duration.ofMinutes(10), java.util.Set.of("pekko://gale@127.0.0.1:1"),
                        kit.createTestProbe(ResourceManager.Consolidating.class).ref()),
                new ResourceManager.Consolidating(List.of("pekko://gale@127.0.0.1:1")),
                new NodeAgent.LeaseEnded("L1"),
                new NodeAgent.SetDraining(42L),
                new NodeAgent.GetAllocations(kit.createTestProbe(NodeAgent.Allocations.class).ref()),
                new NodeAgent.Allocations("pekko://gale@127.0.0.1:1", inv, List.of(running)),
                snap,
                new ClusterStatus(List.of(new ClusterStatus.Node("pekko://gale@127.0.0.1:1", inv, 6, 31L << 30, List.of(0.5),
                        List.of(32L << 30), 1, List.of("exp/k"))), 3, List.of(spec), snap),
                new ClusterStatus(List.of(), 1, List.of(spec), snap,
                        List.of(new ResourceManager.Launchable("cpu-8", new NodeShape(inv, Map.of("zone", "a")), 4))));
        for (ClusterMessage m : msgs) assertEquals(m, roundTrip(m), m.getClass().getSimpleName());
    }
}
