package dev.gale.autoscaler;

import java.util.ArrayList;
import java.util.List;
import java.util.ServiceLoader;

/**
 * Makes {@link NodeProvider}s of one type; registered in
 * {@code META-INF/services/dev.gale.autoscaler.NodeProviderFactory}, so a user's own provider on
 * the classpath is found like the built-in {@code local}, {@code kubernetes} and {@code aws-ec2}.
 */
public interface NodeProviderFactory {
    /** The type this factory makes, as in {@code provider.type}. */
    String type();

    /**
     * A provider for {@code context}'s cluster.
     *
     * @throws IllegalArgumentException naming the setting that is missing or wrong
     */
    NodeProvider create(ProviderContext context);

    /**
     * The provider of {@code context.config().type()}, found with {@link ServiceLoader}.
     *
     * @throws IllegalArgumentException naming the types there are when none matches
     */
    static NodeProvider open(ProviderContext context) {
        String type = context.config().type();
        List<String> known = new ArrayList<>();
        for (NodeProviderFactory f : ServiceLoader.load(NodeProviderFactory.class)) {
            if (f.type().equals(type)) return f.create(context);
            known.add(f.type());
        }
        throw new IllegalArgumentException("provider.type '" + type + "': no such provider; known: " + String.join(", ", known));
    }
}
