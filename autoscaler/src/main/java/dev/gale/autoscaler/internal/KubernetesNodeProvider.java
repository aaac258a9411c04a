package dev.gale.autoscaler.internal;

import dev.gale.autoscaler.LaunchException;
import dev.gale.autoscaler.LaunchRequest;
import dev.gale.autoscaler.NodeProvider;
import dev.gale.autoscaler.NodeResources;
import dev.gale.autoscaler.NodeType;
import dev.gale.autoscaler.ProviderContext;
import dev.gale.autoscaler.ProviderException;
import dev.gale.autoscaler.ProviderInstance;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.VolumeBuilder;
import io.fabric8.kubernetes.api.model.VolumeMountBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The {@code kubernetes} provider: every node is a pod running a Gale node container, with CPU
 * and memory requests (and limits), {@code nvidia.com/gpu} limits, a node selector for the
 * accelerator type, and the labels {@link NodeType#LABEL_CLUSTER}, {@link NodeType#LABEL_INSTANCE}
 * and {@link NodeType#LABEL_TYPE} by which {@link #list()} finds the cluster's pods.
 *
 * <p>Settings ({@code provider:} in cluster.yaml; a type's own {@code provider:} overrides them):
 * {@code namespace} (default {@code default}), {@code image} (required: an image with Gale, see
 * docs/autoscaler.md), {@code command} (default {@code java -cp /opt/gale/lib/* dev.gale.cluster.NodeMain}),
 * {@code serviceAccount}, {@code acceleratorLabel} (the node label matched to the type's
 * accelerator type; default {@code nvidia.com/gpu.product}), {@code nodeSelector.<label>} (more
 * selectors), {@code tlsSecret} (a Kubernetes Secret with keys {@code keystore.p12} and
 * {@code password}, mounted read-only at {@code /etc/gale/tls}: the secret never appears in the pod
 * spec). Credentials: the fabric8 client's standard chain (kubeconfig, in-cluster service account).
 */
public final class KubernetesNodeProvider implements NodeProvider {
    /** Where the TLS secret is mounted in a node's container. */
    static final String TLS_DIR = "/etc/gale/tls";

    private final ProviderContext ctx;
    private final KubernetesClient client;
    private final String namespace;

    private final boolean ownsClient;

    /**
     * @param client     the API client
     * @param ownsClient true to close the client with the provider
     */
    public KubernetesNodeProvider(ProviderContext ctx, KubernetesClient client, boolean ownsClient) {
        this.ctx = ctx;
        this.client = client;
        this.ownsClient = ownsClient;
        this.namespace = ctx.config().setting("namespace", "default");
    }

    @Override
    public String type() {
        return "kubernetes";
    }

    private String setting(NodeType t, String key, String fallback) {
        return t.setting(key, ctx.config().setting(key, fallback));
    }

    /** The pod for {@code r} (what {@link #launch} creates). */
    Pod pod(LaunchRequest r) throws LaunchException {
        NodeType t = r.type();
        String image = setting(t, "image", "");
        if (image.isEmpty()) {
            throw new LaunchException(LaunchException.Kind.CONFIGURATION, "provider.image is not set: give an image with Gale for node type " + t.name());
        }
        NodeResources res = t.resources();
        Map<String, Quantity> requests = new LinkedHashMap<>();
        requests.put("cpu", new Quantity(Math.round(res.cpus() * 1000) + "m"));
        if (res.memoryBytes() > 0) requests.put("memory", new Quantity(Long.toString(res.memoryBytes())));
        Map<String, Quantity> limits = new LinkedHashMap<>(requests);
        if (res.gpus() > 0) limits.put("nvidia.com/gpu", new Quantity(Integer.toString(res.gpus())));
        for (Map.Entry<String, Double> c : res.custom().entrySet()) {
            String k = setting(t, "resourceName." + c.getKey(), "");
            if (!k.isEmpty()) limits.put(k, new Quantity(Long.toString(Math.round(c.getValue()))));
        }
        Map<String, String> selector = new LinkedHashMap<>();
        if (!res.acceleratorType().isEmpty()) selector.put(setting(t, "acceleratorLabel", "nvidia.com/gpu.product"), res.acceleratorType());
        Map<String, String> merged = new LinkedHashMap<>(ctx.config().settings());
        merged.putAll(t.provider());
        for (Map.Entry<String, String> e : merged.entrySet()) {
            if (e.getKey().startsWith("nodeSelector.")) selector.put(e.getKey().substring("nodeSelector.".length()), e.getValue());
        }
        List<String> command = new ArrayList<>(List.of(setting(t, "command", "java -cp /opt/gale/lib/* dev.gale.cluster.NodeMain").split("\\s+")));
        List<String> args = new ArrayList<>(r.nodeArguments());
        String tlsSecret = setting(t, "tlsSecret", "");
        if (r.tls() && tlsSecret.isEmpty()) {
            throw new LaunchException(LaunchException.Kind.CONFIGURATION,
                    "the cluster talks TLS but provider.tlsSecret is not set: name a Secret with keystore.p12 and password");
        }
        ContainerBuilder c = new ContainerBuilder().withName("gale-node").withImage(image).withCommand(command)
                .withNewResources().withRequests(requests).withLimits(limits).endResources();
        PodBuilder pb = new PodBuilder().withNewMetadata().withName(r.instanceId()).withNamespace(namespace)
                .withLabels(Map.of(NodeType.LABEL_CLUSTER, r.clusterName(), NodeType.LABEL_INSTANCE, r.instanceId(),
                        NodeType.LABEL_TYPE, t.name()))
                .endMetadata();
        if (!tlsSecret.isEmpty()) {
            args.addAll(List.of("--tls-keystore", TLS_DIR + "/keystore.p12", "--tls-password-file", TLS_DIR + "/password"));
            c.withVolumeMounts(new VolumeMountBuilder().withName("gale-tls").withMountPath(TLS_DIR).withReadOnly(true).build());
        }
        c.withArgs(args);
        var spec = pb.withNewSpec().withRestartPolicy("Never").withContainers(c.build()).withNodeSelector(selector);
        String sa = setting(t, "serviceAccount", "");
        if (!sa.isEmpty()) spec.withServiceAccountName(sa);
        if (!tlsSecret.isEmpty()) {
            spec.withVolumes(new VolumeBuilder().withName("gale-tls").withNewSecret().withSecretName(tlsSecret).endSecret().build());
        }
        return spec.endSpec().build();
    }

    @Override
    public ProviderInstance launch(LaunchRequest request) throws LaunchException {
        Pod pod = pod(request);
        try {
            Pod made = client.pods().inNamespace(namespace).resource(pod).create();
            return instance(made);
        } catch (KubernetesClientException e) {
            String msg = "creating pod " + request.instanceId() + " in namespace " + namespace + " failed (HTTP " + e.getCode() + "): "
                    + (e.getStatus() != null && e.getStatus().getMessage() != null ? e.getStatus().getMessage() : e.getMessage());
            throw new LaunchException(kind(e), msg, e);
        }
    }

    /** How a refusal of the API server maps to the autoscaler's kinds. */
    static LaunchException.Kind kind(KubernetesClientException e) {
        String m = String.valueOf(e.getMessage()).toLowerCase(Locale.ROOT);
        if (e.getCode() == 403 && m.contains("quota")) return LaunchException.Kind.QUOTA;
        if (e.getCode() == 400 || e.getCode() == 403 || e.getCode() == 404 || e.getCode() == 409 || e.getCode() == 422) {
            return LaunchException.Kind.CONFIGURATION;
        }
        return LaunchException.Kind.TRANSIENT;
    }

    static ProviderInstance instance(Pod p) {
        Map<String, String> labels = p.getMetadata().getLabels() == null ? Map.of() : p.getMetadata().getLabels();
        String phase = p.getStatus() == null || p.getStatus().getPhase() == null ? "Pending" : p.getStatus().getPhase();
        ProviderInstance.State state = switch (phase) {
            case "Running" -> ProviderInstance.State.RUNNING;
            case "Succeeded", "Failed" -> ProviderInstance.State.TERMINATED;
            default -> ProviderInstance.State.PENDING;
        };
        if (p.getMetadata().getDeletionTimestamp() != null && state != ProviderInstance.State.TERMINATED) {
            state = ProviderInstance.State.TERMINATING;
        }
        String detail = "pod " + p.getMetadata().getName() + " " + phase;
        if (p.getStatus() != null && p.getStatus().getConditions() != null) {
            for (PodCondition c : p.getStatus().getConditions()) {
                if ("PodScheduled".equals(c.getType()) && "False".equals(c.getStatus()) && c.getReason() != null) {
                    detail += " (" + c.getReason() + (c.getMessage() == null ? "" : ": " + c.getMessage()) + ")";
                }
            }
        }
        return new ProviderInstance(labels.getOrDefault(NodeType.LABEL_INSTANCE, p.getMetadata().getName()), p.getMetadata().getName(),
                labels.getOrDefault(NodeType.LABEL_TYPE, ""), state, detail);
    }

    @Override
    public List<ProviderInstance> list() {
        try {
            List<ProviderInstance> out = new ArrayList<>();
            for (Pod p : client.pods().inNamespace(namespace).withLabel(NodeType.LABEL_CLUSTER, ctx.clusterName()).list().getItems()) {
                out.add(instance(p));
            }
            return out;
        } catch (KubernetesClientException e) {
            throw new ProviderException("listing the pods of cluster " + ctx.clusterName() + " in namespace " + namespace + " failed (HTTP "
                    + e.getCode() + ")", e);
        }
    }

    @Override
    public void terminate(ProviderInstance instance) {
        try {
            client.pods().inNamespace(namespace).withName(instance.providerId()).delete();
        } catch (KubernetesClientException e) {
            if (e.getCode() == 404) return;
            throw new ProviderException("deleting pod " + instance.providerId() + " failed (HTTP " + e.getCode() + ")", e);
        }
    }

    @Override
    public void close() {
        if (ownsClient) client.close();
    }
}
