package dev.gale.cluster;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JavaType;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.gale.cluster.internal.TaskCoordinator;
import dev.gale.cluster.internal.TaskWork;
import dev.gale.gpu.ResourceSpec;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Props;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Remote futures on a Gale cluster, as Dask's and ipyparallel's clients offer:
 * {@link #submit} runs one {@link RemoteTask} on whichever node the ResourceManager places its
 * {@link ResourceSpec} on and returns a {@link CompletableFuture} of its output; {@link #map}
 * does so for many inputs; {@link #gather} waits for a list of them.
 *
 * <p>Promises: each future completes exactly once — with the task's output, with a
 * {@link RemoteTaskException} when the task threw (its remote stack trace attached) or its node
 * was lost more than {@code maxRetries} times, or cancelled by the caller (which withdraws the
 * request or stops the running work). Tasks lease resources like trials do (same placement, same
 * fair queueing: the client's tasks form one group) and give them back when done.
 *
 * <pre>{@code
 * try (TaskClient client = TaskClient.create(node)) {
 *     List<CompletableFuture<Double>> fs = client.map(Square.class, List.of(1.0, 2.0, 3.0), ResourceSpec.ofCpus(1));
 *     List<Double> squares = TaskClient.gather(fs);
 * }
 * }</pre>
 */
public final class TaskClient implements AutoCloseable {
    private static final AtomicLong CLIENTS = new AtomicLong();
    private static final ObjectMapper JSON = new ObjectMapper();

    private final GaleNode node;
    private final ActorRef<TaskCoordinator.Command> coordinator;
    private final String name;
    private final AtomicLong tasks = new AtomicLong();

    private TaskClient(GaleNode node, int maxRetries) {
        this.node = node;
        this.name = "tasks-" + CLIENTS.incrementAndGet();
        this.coordinator = node.system().systemActorOf(
                TaskCoordinator.create(node.resourceManager(), name + "@" + node.nodeId(), maxRetries), name, Props.empty());
    }

    /** A client submitting through {@code node}'s cluster; a task whose node is lost is retried up to 3 times. */
    public static TaskClient create(GaleNode node) {
        return create(node, 3);
    }

    /** A client whose tasks are retried up to {@code maxRetries} times when their node is lost. */
    public static TaskClient create(GaleNode node, int maxRetries) {
        if (node == null) throw new IllegalArgumentException("node is null: start or connect to a Gale node first");
        if (maxRetries < 0) throw new IllegalArgumentException("maxRetries = " + maxRetries + ": must be >= 0");
        return new TaskClient(node, maxRetries);
    }

    /**
     * Runs {@code task} on {@code input} on a node with {@code resources} free.
     *
     * @throws IllegalArgumentException when the input cannot be written as JSON or the task class
     *                                  has no public no-argument constructor
     */
    public <I, O> CompletableFuture<O> submit(Class<? extends RemoteTask<I, O>> task, I input, ResourceSpec resources) {
        if (task == null) throw new IllegalArgumentException("task is null: pass a RemoteTask class");
        if (resources == null) throw new IllegalArgumentException("resources is null: pass e.g. ResourceSpec.ofCpus(1)");
        try {
            task.getConstructor();
        } catch (NoSuchMethodException e) {
            throw new IllegalArgumentException(task.getName() + " has no public no-argument constructor: add one"
                    + " (tasks are created by class name on the node that runs them)");
        }
        JavaType[] types = TaskWork.types(task);
        ObjectNode payload = JSON.createObjectNode();
        payload.put("task", task.getName());
        try {
            payload.set("input", JSON.valueToTree(input));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("input of " + task.getSimpleName() + " cannot be written as JSON ("
                    + e.getMessage() + "): pass records, lists, maps, strings or numbers", e);
        }
        String id = name + "-" + tasks.incrementAndGet();
        CompletableFuture<String> raw = new CompletableFuture<>();
        CompletableFuture<O> out = raw.thenApply(json -> {
            try {
                return JSON.<O>readValue(json, types[1]);
            } catch (JsonProcessingException e) {
                throw new RemoteTaskException("output of " + task.getName() + " cannot be read: " + e.getOriginalMessage(), "");
            }
        });
        out.whenComplete((v, e) -> {
            if (e instanceof CancellationException) coordinator.tell(new TaskCoordinator.Cancel(id));
        });
        coordinator.tell(new TaskCoordinator.Submit(id, resources, payload.toString(), raw));
        return out;
    }

    /** {@link #submit} for each input, in order. */
    public <I, O> List<CompletableFuture<O>> map(Class<? extends RemoteTask<I, O>> task, List<? extends I> inputs,
                                                 ResourceSpec resources) {
        List<CompletableFuture<O>> out = new ArrayList<>(inputs.size());
        for (I in : inputs) out.add(submit(task, in, resources));
        return out;
    }

    /**
     * Waits for every future and returns their outputs in order.
     *
     * @throws RemoteTaskException the first failure, in list order
     */
    public static <O> List<O> gather(List<CompletableFuture<O>> futures) {
        List<O> out = new ArrayList<>(futures.size());
        for (CompletableFuture<O> f : futures) {
            try {
                out.add(f.get());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while gathering task results", e);
            } catch (ExecutionException e) {
                if (e.getCause() instanceof RuntimeException re) throw re;
                throw new RemoteTaskException(String.valueOf(e.getCause()), "");
            }
        }
        return out;
    }

    /** The node this client submits through. */
    public GaleNode node() {
        return node;
    }

    /** Fails the futures still running (their work is stopped and their leases given back). */
    @Override
    public void close() {
        coordinator.tell(TaskCoordinator.Shutdown.INSTANCE);
    }
}
