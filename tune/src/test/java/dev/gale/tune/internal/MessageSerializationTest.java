package dev.gale.tune.internal;

import dev.gale.cluster.ClusterMessage;
import dev.gale.cluster.ClusterStatus;
import dev.gale.cluster.GaleNode;
import dev.gale.cluster.Lease;
import dev.gale.cluster.LeaseReply;
import dev.gale.cluster.NodeAgent;
import dev.gale.cluster.ResourceManager;
import dev.gale.cluster.WorkEvent;
import dev.gale.gpu.Allocation;
import dev.gale.gpu.GpuDevice;
import dev.gale.gpu.GpuShare;
import dev.gale.gpu.NodeInventory;
import dev.gale.gpu.ResourceSpec;
import org.apache.pekko.actor.typed.javadsl.Adapter;
import org.apache.pekko.serialization.Serialization;
import org.apache.pekko.serialization.SerializationExtension;
import org.apache.pekko.serialization.Serializer;
import org.apache.pekko.serialization.Serializers;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Every message that may cross nodes goes through Jackson CBOR and comes back equal; Java serialization is off. */
class MessageSerializationTest {
    static GaleNode node;
    static Serialization ser;

    @BeforeAll
    static void start() {
        node = GaleNode.startEmbedded();
        ser = SerializationExtension.get(Adapter.toClassic(node.system()));
    }

    @AfterAll
    static void stop() {
        node.close();
    }

    private static Object roundTrip(Object msg) throws Exception {
        Serializer s = ser.findSerializerFor(msg);
        assertTrue(s.getClass().getName().contains("JacksonCborSerializer"),
                msg.getClass().getSimpleName() + " uses " + s.getClass().getName());
        byte[] bytes = ser.serialize(msg).get();
        String manifest = Serializers.manifestFor(s, msg);
        return ser.deserialize(bytes, s.identifier(), manifest).get();
    }

    @Test
    void clusterAndTuneMessagesRoundTripThroughCbor() throws Exception {
        ResourceSpec spec = new ResourceSpec(2, 0.5, 8L << 30, 1L << 30, Map.of("license", 1.0), "A100");
        Allocation alloc = new Allocation(spec, 2, 1L << 30, List.of(new GpuShare(1, 0.5, 8L << 30)), Map.of("license", 1.0));
        NodeInventory inv = new NodeInventory(8, 32L << 30,
                List.of(new GpuDevice(0, "GPU-a", "NVIDIA A100", 40L << 30, 0, 3.0)), Map.of("license", 2.0));
        Lease lease = new Lease("L1", "trial_00001#0", node.nodeId(), node.agent(), alloc);
        List<ClusterMessage> msgs = List.of(
                new ResourceManager.RegisterNode(node.nodeId(), inv, node.agent()),
                new ResourceManager.ReleaseLease("L1"),
                new ResourceManager.CancelRequest("r1"),
                new LeaseReply.Granted(lease),
                new LeaseReply.Revoked("r1", "L1", "node left"),
                new LeaseReply.Contention("exp", true),
                new ResourceManager.RequestLease("r2", spec, node.system().ignoreRef(), "exp", dev.gale.cluster.Placement.SPREAD),
                new NodeAgent.StartWork("trial_00001#0", "L1", alloc, TrialRunner.class.getName(), "{\"a\":1}", node.agent(), node.system().ignoreRef()),
                new NodeAgent.StopWork("L1"),
                new WorkEvent.Finished("trial_00001#0", "L1"),
                new WorkEvent.Failed("trial_00001#0", "L1", "boom", "trace"),
                new ClusterStatus(List.of(new ClusterStatus.Node(node.nodeId(), inv, 1.5, 1L << 30, List.of(0.5), List.of(4L << 30), 1, List.of("exp/trial_00001#0"))),
                        2, List.of(spec)),
                new RunnerAck(true),
                new TrialProtocol.TrialEnded("trial_00001", 1, false, "java.lang.RuntimeException: x", "trace"),
                new ParamMessages.ParamsDrawn("trial_00001", 0, new java.util.LinkedHashMap<>(Map.of("lr", 0.25, "layer", "wide"))),
                new TrialProtocol.ResultBatch("trial_00001", 0,
                        List.of(new ReportedResult(3, 1.5, 1234L, Map.of("loss", 0.25, "tag", "a", "ok", true), "checkpoint_000003")),
                        AttemptInbox.of(node.system().ignoreRef())),
                new ParamMessages.ParamRequest("trial_00001", 0, "lr", new ParamMessages.ParamSpec("loguniform", 1e-4, 1e-1, 0, null),
                        AttemptInbox.of(node.system().ignoreRef())),
                new TrialProtocol.CheckpointFetch("trial_00001", 1, "/exp/trial_00001/checkpoint_000003",
                        AttemptInbox.of(node.system().ignoreRef())));
        for (ClusterMessage m : msgs) {
            Object back = roundTrip(m);
            assertEquals(m, back, m.getClass().getSimpleName());
        }
    }

    @Test
    void javaSerializationIsDisabled() {
        java.io.Serializable notOurs = new java.util.ArrayList<>(List.of(1));
        Serializer s = ser.findSerializerFor(notOurs);
        Exception e = assertThrows(Exception.class, () -> s.toBinary(notOurs),
                "a message outside ClusterMessage must not fall back to Java serialization");
        assertTrue(e.getMessage().contains("allow-java-serialization"), e.getMessage());
    }
}
