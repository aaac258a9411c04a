package dev.gale.cluster;

import com.typesafe.config.Config;
import dev.gale.gpu.NodeInventory;
import dev.gale.gpu.ResourceSpec;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.serialization.DisabledJavaSerializer;
import org.apache.pekko.serialization.Serialization;
import org.apache.pekko.serialization.SerializationExtension;
import org.apache.pekko.serialization.Serializer;
import org.apache.pekko.serialization.SerializerWithStringManifest;
import org.apache.pekko.serialization.jackson.JacksonSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.ObjectOutputStream;
import java.io.Serializable;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * With Gale's configuration, Java serialization is refused both ways, and the Jackson serializer
 * only handles classes bound through {@link ClusterMessage}: anything else is refused when
 * serialized and when bytes naming it arrive.
 */
class SerializationAllowlistTest {
    static ActorSystem<Void> system;
    static Serialization serialization;

    /** Java-serializable, not a ClusterMessage. */
    record JavaOnly(String text) implements Serializable {
    }

    /** Neither: a plain record Jackson could handle, were it allowed. */
    record NotAMessage(String text) {
    }

    @BeforeAll
    static void start() {
        system = ActorSystem.create(Behaviors.empty(), "ser", GaleNode.config(NodeConfig.embedded()));
        serialization = SerializationExtension.get(system.classicSystem());
    }

    @AfterAll
    static void stop() throws Exception {
        system.terminate();
        system.getWhenTerminated().toCompletableFuture().get(30, TimeUnit.SECONDS);
    }

    @Test
    void configAllowsNothingButClusterMessages() {
        Config c = system.settings().config();
        assertFalse(c.getBoolean("pekko.actor.allow-java-serialization"));
        assertEquals(List.of(), c.getStringList("pekko.serialization.jackson.allowed-class-prefix"));
        Map<String, Object> bindings = c.getConfig("pekko.actor.serialization-bindings").root().unwrapped();
        for (Map.Entry<String, Object> b : bindings.entrySet()) {
            if (b.getValue().toString().startsWith("jackson")) {
                assertEquals("dev.gale.cluster.ClusterMessage", b.getKey(), "only ClusterMessage is bound to Jackson: " + bindings);
            }
        }
    }

    @Test
    void javaSerializationIsRefusedBothWays() throws Exception {
        assertInstanceOf(DisabledJavaSerializer.class, serialization.serializerFor(JavaOnly.class));
        assertTrue(serialization.serialize(new JavaOnly("x")).isFailure(), "a Serializable non-message must not be serialized");

        ByteArrayOutputStream bos = new ByteArrayOutputStream();
        try (ObjectOutputStream oos = new ObjectOutputStream(bos)) {
            oos.writeObject(new java.util.ArrayList<>(List.of("payload")));
        }
        int javaSerializerId = 1; // Pekko's JavaSerializer identifier
        assertTrue(serialization.deserialize(bos.toByteArray(), javaSerializerId, "").isFailure(),
                "Java-serialized bytes from the wire must not be deserialized");
    }

    @Test
    void jacksonRoundTripsAClusterMessage() {
        ClusterStatus st = new ClusterStatus(List.of(new ClusterStatus.Node("pekko://gale@127.0.0.1:1",
                new NodeInventory(2, 1024, List.of(), Map.of()), 1.5, 512, List.of(), List.of(), 1)), 2,
                List.of(ResourceSpec.ofCpus(64)));
        Serializer s = serialization.findSerializerFor(st);
        assertInstanceOf(JacksonSerializer.class, s);
        byte[] bytes = s.toBinary(st);
        String manifest = ((SerializerWithStringManifest) s).manifest(st);
        assertEquals(st, serialization.deserialize(bytes, s.identifier(), manifest).get());
    }

    @Test
    void jacksonRefusesClassesOutsideTheAllowlist() throws Exception {
        SerializerWithStringManifest jackson = (SerializerWithStringManifest) serialization.serializerFor(ClusterStatus.class);
        // sending: a class that is not a ClusterMessage has no serializer, and the Jackson one refuses it
        assertThrows(Exception.class, () -> serialization.serializerFor(NotAMessage.class));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> jackson.manifest(new NotAMessage("x")));
        assertTrue(e.getMessage().contains("allowed"), e.getMessage());

        // receiving: bytes whose manifest names a class outside the allowlist are refused before Jackson reads them
        byte[] json = "{\"text\":\"x\"}".getBytes(StandardCharsets.UTF_8);
        for (String cls : List.of(NotAMessage.class.getName(), "java.util.HashMap", "java.lang.ProcessBuilder",
                "com.sun.rowset.JdbcRowSetImpl")) {
            IllegalArgumentException r = assertThrows(IllegalArgumentException.class, () -> jackson.fromBinary(json, cls), cls);
            assertTrue(r.getMessage().contains("allowed") || r.getMessage().contains("deny"), r.getMessage());
            assertTrue(serialization.deserialize(json, jackson.identifier(), cls).isFailure(), cls);
        }
    }

    @Test
    void pekkosUnusedJsonSerializersAreStandInsThatRefuseEverything() {
        for (int id : new int[]{31, 32}) { // jackson-json, jackson-cbor-264
            Serializer s = serialization.serializerByIdentity().get(id).get();
            assertInstanceOf(dev.gale.cluster.internal.UnusedSerializer.class, s, "identifier " + id);
            byte[] json = "{\"text\":\"x\"}".getBytes(StandardCharsets.UTF_8);
            assertTrue(serialization.deserialize(json, id, NotAMessage.class.getName()).isFailure(), "nothing is read with " + id);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> s.toBinary(new NotAMessage("x")));
            assertTrue(e.getMessage().contains("ClusterMessage"), e.getMessage());
        }
        assertInstanceOf(JacksonSerializer.class, serialization.serializerByIdentity().get(33).get(), "jackson-cbor is Pekko's");
    }
}
