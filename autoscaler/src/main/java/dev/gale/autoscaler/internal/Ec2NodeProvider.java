package dev.gale.autoscaler.internal;

import dev.gale.autoscaler.LaunchException;
import dev.gale.autoscaler.LaunchRequest;
import dev.gale.autoscaler.NodeProvider;
import dev.gale.autoscaler.NodeType;
import dev.gale.autoscaler.ProviderContext;
import dev.gale.autoscaler.ProviderException;
import dev.gale.autoscaler.ProviderInstance;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.ec2.Ec2Client;
import software.amazon.awssdk.services.ec2.model.DescribeInstancesRequest;
import software.amazon.awssdk.services.ec2.model.DescribeInstancesResponse;
import software.amazon.awssdk.services.ec2.model.Ec2Exception;
import software.amazon.awssdk.services.ec2.model.Filter;
import software.amazon.awssdk.services.ec2.model.Instance;
import software.amazon.awssdk.services.ec2.model.Reservation;
import software.amazon.awssdk.services.ec2.model.ResourceType;
import software.amazon.awssdk.services.ec2.model.RunInstancesRequest;
import software.amazon.awssdk.services.ec2.model.RunInstancesResponse;
import software.amazon.awssdk.services.ec2.model.Tag;
import software.amazon.awssdk.services.ec2.model.TagSpecification;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Set;

/**
 * The {@code aws-ec2} provider: every node is an EC2 instance started with RunInstances, tagged
 * {@link NodeType#LABEL_CLUSTER}, {@link NodeType#LABEL_INSTANCE}, {@link NodeType#LABEL_TYPE}
 * (and {@code Name}), whose user data starts a Gale node that joins the head. DescribeInstances
 * filtered by the cluster's tag lists them; TerminateInstances ends them.
 *
 * <p>Settings ({@code provider:}; a type's own override them): {@code region} (required),
 * {@code imageId} and {@code instanceType} (required, usually per type), {@code subnetId},
 * {@code securityGroupIds} (comma-separated), {@code iamInstanceProfile} (a name; the role reads
 * the TLS secret), {@code keyName}, {@code command} (default
 * {@code java -cp '/opt/gale/lib/*' dev.gale.cluster.NodeMain}), {@code tlsKeystoreSecret} and
 * {@code tlsPasswordSecret} (AWS Secrets Manager ids: the user data fetches them with the
 * instance's role; user data is readable by every process on the instance, so it holds only these
 * names, never a secret), {@code endpoint} (another EC2 endpoint, e.g. for tests). Credentials come
 * from the SDK's default chain only.
 *
 * <p>Errors: {@code InsufficientInstanceCapacity} and friends are {@link LaunchException.Kind#CAPACITY},
 * {@code InstanceLimitExceeded} / {@code VcpuLimitExceeded} {@link LaunchException.Kind#QUOTA},
 * invalid or unauthorized settings {@link LaunchException.Kind#CONFIGURATION}, anything else
 * {@link LaunchException.Kind#TRANSIENT}.
 */
public final class Ec2NodeProvider implements NodeProvider {
    private static final Set<String> CAPACITY = Set.of("InsufficientInstanceCapacity", "InsufficientHostCapacity",
            "InsufficientReservedInstanceCapacity", "InsufficientCapacity", "Unsupported");
    private static final Set<String> QUOTA = Set.of("InstanceLimitExceeded", "VcpuLimitExceeded", "MaxSpotInstanceCountExceeded",
            "RequestLimitExceeded");

    private final ProviderContext ctx;
    private final Ec2Client ec2;
    private final boolean ownsClient;

    /**
     * @param ec2        the EC2 client (region, endpoint and credentials set)
     * @param ownsClient true to close the client with the provider
     */
    public Ec2NodeProvider(ProviderContext ctx, Ec2Client ec2, boolean ownsClient) {
        this.ctx = ctx;
        this.ec2 = ec2;
        this.ownsClient = ownsClient;
    }

    @Override
    public String type() {
        return "aws-ec2";
    }

    private String setting(NodeType t, String key, String fallback) {
        return t.setting(key, ctx.config().setting(key, fallback));
    }

    /** The user data of {@code r}'s instance: a shell script that starts the node (no secret in it). */
    String userData(LaunchRequest r) throws LaunchException {
        NodeType t = r.type();
        StringBuilder sb = new StringBuilder("#!/bin/bash\nset -euo pipefail\n# Gale node " + r.instanceId() + " of cluster "
                + r.clusterName() + " (type " + t.name() + ")\n");
        List<String> args = new ArrayList<>(r.nodeArguments());
        String ks = setting(t, "tlsKeystoreSecret", "");
        String pw = setting(t, "tlsPasswordSecret", "");
        if (r.tls()) {
            if (ks.isEmpty() || pw.isEmpty()) {
                throw new LaunchException(LaunchException.Kind.CONFIGURATION, "the cluster talks TLS: set provider.tlsKeystoreSecret and "
                        + "provider.tlsPasswordSecret (AWS Secrets Manager ids the instance role may read)");
            }
            sb.append("install -d -m 700 /etc/gale/tls\n");
            sb.append("aws secretsmanager get-secret-value --secret-id ").append(quote(ks))
                    .append(" --query SecretBinary --output text | base64 -d > /etc/gale/tls/keystore.p12\n");
            sb.append("aws secretsmanager get-secret-value --secret-id ").append(quote(pw))
                    .append(" --query SecretString --output text > /etc/gale/tls/password\n");
            sb.append("chmod 600 /etc/gale/tls/*\n");
            args.addAll(List.of("--tls-keystore", "/etc/gale/tls/keystore.p12", "--tls-password-file", "/etc/gale/tls/password"));
        }
        sb.append("exec ").append(setting(t, "command", "java -cp '/opt/gale/lib/*' dev.gale.cluster.NodeMain"));
        for (String a : args) sb.append(' ').append(quote(a));
        sb.append('\n');
        return sb.toString();
    }

    private static String quote(String s) {
        return "'" + s.replace("'", "'\\''") + "'";
    }

    @Override
    public ProviderInstance launch(LaunchRequest request) throws LaunchException {
        NodeType t = request.type();
        String image = setting(t, "imageId", "");
        String instanceType = setting(t, "instanceType", "");
        if (image.isEmpty() || instanceType.isEmpty()) {
            throw new LaunchException(LaunchException.Kind.CONFIGURATION, "node type " + t.name() + ": set provider.imageId and provider.instanceType");
        }
        List<Tag> tags = List.of(tag(NodeType.LABEL_CLUSTER, request.clusterName()), tag(NodeType.LABEL_INSTANCE, request.instanceId()),
                tag(NodeType.LABEL_TYPE, t.name()), tag("Name", request.instanceId()));
        RunInstancesRequest.Builder b = RunInstancesRequest.builder().imageId(image).instanceType(instanceType).minCount(1).maxCount(1)
                .userData(Base64.getEncoder().encodeToString(userData(request).getBytes(StandardCharsets.UTF_8)))
                .tagSpecifications(TagSpecification.builder().resourceType(ResourceType.INSTANCE).tags(tags).build())
                .clientToken(request.instanceId());
        String subnet = setting(t, "subnetId", "");
        if (!subnet.isEmpty()) b.subnetId(subnet);
        String groups = setting(t, "securityGroupIds", "");
        if (!groups.isEmpty()) b.securityGroupIds(List.of(groups.split("\\s*,\\s*")));
        String profile = setting(t, "iamInstanceProfile", "");
        if (!profile.isEmpty()) b.iamInstanceProfile(p -> p.name(profile));
        String key = setting(t, "keyName", "");
        if (!key.isEmpty()) b.keyName(key);
        try {
            RunInstancesResponse r = ec2.runInstances(b.build());
            if (r.instances().isEmpty()) throw new LaunchException(LaunchException.Kind.TRANSIENT, "RunInstances returned no instance");
            return instance(r.instances().getFirst());
        } catch (Ec2Exception e) {
            String code = e.awsErrorDetails() == null ? "" : e.awsErrorDetails().errorCode();
            String msg = e.awsErrorDetails() == null ? e.getMessage() : e.awsErrorDetails().errorMessage();
            throw new LaunchException(kind(code), "RunInstances " + instanceType + " refused: " + code + ": " + msg, e);
        } catch (SdkException e) {
            throw new LaunchException(LaunchException.Kind.TRANSIENT, "RunInstances failed: " + e.getMessage(), e);
        }
    }

    /** How an EC2 error code maps to the autoscaler's kinds. */
    static LaunchException.Kind kind(String code) {
        if (CAPACITY.contains(code)) return LaunchException.Kind.CAPACITY;
        if (QUOTA.contains(code)) return LaunchException.Kind.QUOTA;
        if (code.startsWith("Invalid") || code.equals("UnauthorizedOperation") || code.equals("AuthFailure") || code.startsWith("Missing")) {
            return LaunchException.Kind.CONFIGURATION;
        }
        return LaunchException.Kind.TRANSIENT;
    }

    private static Tag tag(String k, String v) {
        return Tag.builder().key(k).value(v).build();
    }

    static ProviderInstance instance(Instance i) {
        String id = i.instanceId();
        String type = "";
        for (Tag t : i.tags()) {
            if (t.key().equals(NodeType.LABEL_INSTANCE)) id = t.value();
            if (t.key().equals(NodeType.LABEL_TYPE)) type = t.value();
        }
        String state = i.state() == null || i.state().nameAsString() == null ? "pending" : i.state().nameAsString();
        ProviderInstance.State s = switch (state) {
            case "running" -> ProviderInstance.State.RUNNING;
            case "shutting-down", "stopping" -> ProviderInstance.State.TERMINATING;
            case "terminated", "stopped" -> ProviderInstance.State.TERMINATED;
            default -> ProviderInstance.State.PENDING;
        };
        String reason = i.stateReason() == null || i.stateReason().message() == null ? "" : " (" + i.stateReason().message() + ")";
        return new ProviderInstance(id, i.instanceId(), type, s, "instance " + i.instanceId() + " " + state + reason);
    }

    @Override
    public List<ProviderInstance> list() {
        List<ProviderInstance> out = new ArrayList<>();
        try {
            String token = null;
            do {
                DescribeInstancesResponse r = ec2.describeInstances(DescribeInstancesRequest.builder()
                        .filters(Filter.builder().name("tag:" + NodeType.LABEL_CLUSTER).values(ctx.clusterName()).build())
                        .nextToken(token).build());
                for (Reservation res : r.reservations()) for (Instance i : res.instances()) out.add(instance(i));
                token = r.nextToken();
            } while (token != null && !token.isEmpty());
        } catch (SdkException e) {
            throw new ProviderException("DescribeInstances for cluster " + ctx.clusterName() + " failed: " + e.getMessage(), e);
        }
        return out;
    }

    @Override
    public void terminate(ProviderInstance instance) {
        try {
            ec2.terminateInstances(r -> r.instanceIds(instance.providerId()));
        } catch (Ec2Exception e) {
            if (e.awsErrorDetails() != null && e.awsErrorDetails().errorCode().startsWith("InvalidInstanceID.NotFound")) return;
            throw new ProviderException("TerminateInstances " + instance.providerId() + " failed: " + e.getMessage(), e);
        } catch (SdkException e) {
            throw new ProviderException("TerminateInstances " + instance.providerId() + " failed: " + e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        if (ownsClient) ec2.close();
    }
}
