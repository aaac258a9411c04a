package dev.gale.cluster.internal;

import com.fasterxml.jackson.databind.JavaType;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.gale.cluster.RemoteTask;
import dev.gale.cluster.Work;
import dev.gale.cluster.WorkContext;
import org.apache.pekko.actor.typed.ActorRef;

/**
 * The {@link Work} that runs one {@link RemoteTask} on a node: reads the task class and its JSON
 * input from the payload, runs it, and sends the JSON output to the owning
 * {@link TaskCoordinator}. A task that throws ends the work in failure (the NodeAgent reports it).
 */
public final class TaskWork implements Work {
    static final ObjectMapper JSON = new ObjectMapper();

    /** Needed by the NodeAgent, which creates works by class name. */
    public TaskWork() {
    }

    @Override
    @SuppressWarnings({"unchecked", "rawtypes"})
    public void run(WorkContext ctx) throws Exception {
        JsonNode p = JSON.readTree(ctx.payload());
        String taskClass = p.get("task").asText();
        Class<?> cls = Class.forName(taskClass, true, loader());
        if (!RemoteTask.class.isAssignableFrom(cls)) {
            throw new IllegalArgumentException(taskClass + " does not implement " + RemoteTask.class.getName());
        }
        RemoteTask task = (RemoteTask) cls.getDeclaredConstructor().newInstance();
        JavaType[] types = types(cls);
        Object input = JSON.treeToValue(p.get("input"), types[0]);
        Object output = task.call(input);
        String json = JSON.writerFor(types[1]).writeValueAsString(output);
        ((ActorRef<TaskCoordinator.Command>) ctx.owner()).tell(new TaskCoordinator.TaskDone(ctx.workId(), json));
    }

    /** The input and output types a task class declares for {@link RemoteTask}. */
    public static JavaType[] types(Class<?> taskClass) {
        JavaType[] t = JSON.getTypeFactory().constructType(taskClass).findTypeParameters(RemoteTask.class);
        if (t == null || t.length != 2) {
            JavaType obj = JSON.getTypeFactory().constructType(Object.class);
            return new JavaType[]{obj, obj};
        }
        return t;
    }

    private static ClassLoader loader() {
        ClassLoader cl = Thread.currentThread().getContextClassLoader();
        return cl != null ? cl : TaskWork.class.getClassLoader();
    }
}
