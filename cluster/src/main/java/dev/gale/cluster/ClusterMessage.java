package dev.gale.cluster;

/**
 * Marker of every message that may cross nodes. Bound to Pekko's {@code jackson-cbor} serializer;
 * Java serialization is disabled, so a message without this marker cannot leave its JVM.
 */
public interface ClusterMessage {
}
