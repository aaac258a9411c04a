package dev.gale.autoscaler;

import dev.gale.autoscaler.internal.KubernetesNodeProvider;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.utils.Serialization;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The {@code kubernetes} provider against fabric8's mock API server in CRUD mode (no scheduler or
 * kubelet: the test sets pod phases itself): the contract, and the pod it makes — CPU and memory
 * requests, {@code nvidia.com/gpu} limits, the accelerator node selector, the cluster's labels,
 * the TLS secret mounted as a volume.
 */
@EnableKubernetesMockClient(crud = true)
class KubernetesProviderTest extends NodeProviderContract {
    static KubernetesClient client;

    @Override
    ProviderConfig config(Path dir) {
        return new ProviderConfig("kubernetes", Map.of("namespace", "gale", "image", "ghcr.io/example/gale:1", "tlsSecret", "gale-tls"));
    }

    @Override
    NodeProvider open(ProviderContext ctx) {
        return new KubernetesNodeProvider(ctx, client, false);
    }

    @Override
    void becomeRunning(ProviderInstance i) {
        client.pods().inNamespace("gale").withName(i.providerId())
                .editStatus(p -> new PodBuilder(p).editOrNewStatus().withPhase("Running").endStatus().build());
    }

    @Override
    String startedWith(ProviderInstance i) {
        return Serialization.asYaml(client.pods().inNamespace("gale").withName(i.providerId()).get());
    }

    @Test
    void aGpuNodeIsAPodWithRequestsGpuLimitsAnAcceleratorSelectorAndTheSecretAsAVolume() throws Exception {
        Path dir = dir();
        NodeType gpu = new NodeType("gpu-a100", NodeResources.cpu(8, 32 * GIB).withGpus(2, 40 * GIB, "NVIDIA-A100-SXM4-40GB"), 3.0, 0, 4,
                Map.of("nodeSelector.cloud.google.com/gke-nodepool", "gpu-pool"));
        ClusterConfig c = new ClusterConfig("k8s-gpu", HeadConfig.defaults(), config(dir), AutoscalerSettings.defaults(), List.of(gpu));
        NodeProvider p = provider(c, dir);
        ProviderInstance i = p.launch(new LaunchRequest(c.name(), "k8s-gpu-1", gpu, "head.gale.svc:25520", true));
        Pod pod = client.pods().inNamespace("gale").withName(i.providerId()).get();
        var container = pod.getSpec().getContainers().getFirst();
        assertEquals("8000m", container.getResources().getRequests().get("cpu").toString());
        assertEquals(Long.toString(32 * GIB), container.getResources().getRequests().get("memory").toString());
        assertEquals("2", container.getResources().getLimits().get("nvidia.com/gpu").toString());
        assertEquals(Map.of("nvidia.com/gpu.product", "NVIDIA-A100-SXM4-40GB", "cloud.google.com/gke-nodepool", "gpu-pool"),
                pod.getSpec().getNodeSelector());
        assertEquals(Map.of(NodeType.LABEL_CLUSTER, "k8s-gpu", NodeType.LABEL_INSTANCE, "k8s-gpu-1", NodeType.LABEL_TYPE, "gpu-a100"),
                pod.getMetadata().getLabels());
        assertEquals("gale-tls", pod.getSpec().getVolumes().getFirst().getSecret().getSecretName());
        assertTrue(container.getArgs().containsAll(List.of("--join", "head.gale.svc:25520", "--tls-keystore", "/etc/gale/tls/keystore.p12")),
                container.getArgs().toString());
        assertEquals("Never", pod.getSpec().getRestartPolicy());
        assertEquals(ProviderInstance.State.PENDING, p.list().getFirst().state(), "no kubelet: the pod stays Pending");
        client.pods().inNamespace("gale").withName(i.providerId())
                .editStatus(x -> new PodBuilder(x).editOrNewStatus().withPhase("Failed").endStatus().build());
        assertEquals(ProviderInstance.State.TERMINATED, p.list().getFirst().state(), "a failed pod will not join");
    }

    @Test
    void withoutAnImageTheLaunchIsRefusedAsConfiguration() throws Exception {
        Path dir = dir();
        ClusterConfig c = new ClusterConfig("k8s-noimage", HeadConfig.defaults(), new ProviderConfig("kubernetes", Map.of("namespace", "gale")),
                AutoscalerSettings.defaults(), List.of(NodeType.of("cpu-2", NodeResources.cpu(2, GIB), 0.1, 0, 2)));
        NodeProvider p = open(new ProviderContext(c, dir, Clock.systemUTC()));
        LaunchException e = org.junit.jupiter.api.Assertions.assertThrows(LaunchException.class,
                () -> p.launch(new LaunchRequest(c.name(), "k8s-noimage-1", c.type("cpu-2"), "h:1", false)));
        assertEquals(LaunchException.Kind.CONFIGURATION, e.kind());
        assertFalse(e.getMessage().isBlank());
    }
}
