package dev.gale.cluster.internal;

import org.apache.pekko.actor.ExtendedActorSystem;
import org.apache.pekko.serialization.SerializerWithStringManifest;

import java.io.NotSerializableException;

/**
 * Stands in for Pekko's two JSON Jackson serializers ({@code jackson-json} and
 * {@code jackson-cbor-264}), which Gale never uses: every Gale message is a {@code ClusterMessage},
 * bound to {@code jackson-cbor}. Pekko builds every configured serializer when an actor system
 * starts, and each Jackson one builds its own ObjectMapper with its modules; standing in for the
 * two unused ones takes that off every node's start-up.
 *
 * <p>Promises: keeps the binding's identifier (so no other serializer can take it), and refuses to
 * write or read anything, naming the class or manifest and the binding to use instead.
 */
public final class UnusedSerializer extends SerializerWithStringManifest {
    private final int identifier;
    private final String binding;

    /** Created by Pekko for the binding {@code bindingName}; its identifier is the configured one. */
    public UnusedSerializer(ExtendedActorSystem system, String bindingName) {
        this.binding = bindingName;
        this.identifier = system.settings().config().getInt("pekko.actor.serialization-identifiers." + bindingName);
    }

    @Override
    public int identifier() {
        return identifier;
    }

    @Override
    public String manifest(Object o) {
        throw refusal(o.getClass().getName());
    }

    @Override
    public byte[] toBinary(Object o) {
        throw refusal(o.getClass().getName());
    }

    @Override
    public Object fromBinary(byte[] bytes, String manifest) throws NotSerializableException {
        throw new NotSerializableException("a message with manifest " + manifest + " came through Pekko's " + binding
                + " serializer, which Gale turns off: Gale's nodes send only dev.gale.cluster.ClusterMessage (jackson-cbor)");
    }

    private IllegalArgumentException refusal(String cls) {
        return new IllegalArgumentException(cls + " is bound to Pekko's " + binding + " serializer, which Gale turns off:"
                + " implement dev.gale.cluster.ClusterMessage (jackson-cbor) instead");
    }
}
