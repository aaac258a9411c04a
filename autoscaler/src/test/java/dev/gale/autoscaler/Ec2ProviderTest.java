package dev.gale.autoscaler;

import dev.gale.autoscaler.internal.Ec2NodeProvider;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.ec2.Ec2Client;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The {@code aws-ec2} provider with the real AWS SDK v2 against a local HTTP endpoint that speaks
 * the EC2 Query API ({@link Ec2QueryServer}): the contract, the RunInstances request (tags, user
 * data that starts a node joining the head and fetches the TLS secret by name only), and error
 * codes mapped to the autoscaler's kinds (capacity and quota back off).
 */
class Ec2ProviderTest extends NodeProviderContract {
    static final String ACCESS_KEY = "AKIATESTACCESSKEY0001";
    static final String SECRET_KEY = "test-secret-key-never-logged-0123456789";
    static Ec2QueryServer server;
    static Ec2Client client;

    @BeforeAll
    static void start() throws Exception {
        server = new Ec2QueryServer();
        client = Ec2Client.builder().endpointOverride(server.endpoint()).region(Region.US_EAST_1)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create(ACCESS_KEY, SECRET_KEY))).build();
    }

    @AfterAll
    static void stop() {
        client.close();
        server.close();
    }

    @Override
    ProviderConfig config(Path dir) {
        return new ProviderConfig("aws-ec2", Map.of("region", "us-east-1", "imageId", "ami-0123456789abcdef0", "instanceType", "m7i.large",
                "tlsKeystoreSecret", "gale/cluster-keystore", "tlsPasswordSecret", "gale/cluster-password"));
    }

    @Override
    NodeProvider open(ProviderContext ctx) {
        return new Ec2NodeProvider(ctx, client, false);
    }

    @Override
    void becomeRunning(ProviderInstance i) {
        server.instances.get(i.providerId()).state = "running";
    }

    @Override
    String startedWith(ProviderInstance i) {
        Ec2QueryServer.Inst inst = server.instances.get(i.providerId());
        return new String(Base64.getDecoder().decode(inst.userData), StandardCharsets.UTF_8) + "\n" + inst.tags;
    }

    @Test
    void runInstancesCarriesTheTagsAndUserDataThatJoinsTheHeadWithTheSecretFetchedByName() throws Exception {
        Path dir = dir();
        ClusterConfig c = cluster("ec2-run", dir);
        NodeProvider p = provider(c, dir);
        ProviderInstance i = p.launch(new LaunchRequest(c.name(), "ec2-run-1", c.type("cpu-2"), "10.0.0.5:25520", true));
        Ec2QueryServer.Inst inst = server.instances.get(i.providerId());
        assertEquals("ami-0123456789abcdef0", inst.imageId);
        assertEquals("m7i.large", inst.instanceType);
        assertEquals(Map.of(NodeType.LABEL_CLUSTER, "ec2-run", NodeType.LABEL_INSTANCE, "ec2-run-1", NodeType.LABEL_TYPE, "cpu-2",
                "Name", "ec2-run-1"), inst.tags);
        String userData = new String(Base64.getDecoder().decode(inst.userData), StandardCharsets.UTF_8);
        assertTrue(userData.startsWith("#!/bin/bash"), userData);
        assertTrue(userData.contains("'--join' '10.0.0.5:25520'"), userData);
        assertTrue(userData.contains("--secret-id 'gale/cluster-keystore'"), userData);
        assertTrue(userData.contains("'--tls-password-file' '/etc/gale/tls/password'"), userData);
        assertFalse(userData.contains(SECRET) || userData.contains(SECRET_KEY) || userData.contains(ACCESS_KEY), "no secret in user data");
        for (Map<String, String> r : server.requests) {
            assertFalse(r.toString().contains(SECRET_KEY), "the secret key never travels in a request body");
        }
        assertEquals(ProviderInstance.State.PENDING, p.list().stream().filter(x -> x.providerId().equals(i.providerId())).findFirst()
                .orElseThrow().state());
    }

    @Test
    void capacityAndQuotaErrorsAreKindsTheAutoscalerBacksOffOn() throws Exception {
        Path dir = dir();
        ClusterConfig c = cluster("ec2-err", dir);
        NodeProvider p = provider(c, dir);
        try {
            server.failRunWith = "InsufficientInstanceCapacity";
            LaunchException e = assertThrows(LaunchException.class,
                    () -> p.launch(new LaunchRequest(c.name(), "ec2-err-1", c.type("cpu-2"), "h:1", false)));
            assertEquals(LaunchException.Kind.CAPACITY, e.kind(), e.getMessage());
            assertTrue(e.getMessage().contains("InsufficientInstanceCapacity"), e.getMessage());
            assertFalse(e.getMessage().contains(SECRET_KEY));
            server.failRunWith = "VcpuLimitExceeded";
            e = assertThrows(LaunchException.class, () -> p.launch(new LaunchRequest(c.name(), "ec2-err-2", c.type("cpu-2"), "h:1", false)));
            assertEquals(LaunchException.Kind.QUOTA, e.kind());
            server.failRunWith = "InvalidAMIID.NotFound";
            e = assertThrows(LaunchException.class, () -> p.launch(new LaunchRequest(c.name(), "ec2-err-3", c.type("cpu-2"), "h:1", false)));
            assertEquals(LaunchException.Kind.CONFIGURATION, e.kind());
        } finally {
            server.failRunWith = null;
        }
        assertEquals(List.of(), p.list(), "nothing is left running after refused launches");
    }
}
