package dev.gale.tune.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;
import java.util.function.Function;

/** Finds user implementations of an SPI through {@link ServiceLoader}, by name. */
public final class Plugins {
    private Plugins() {
    }

    /**
     * A new instance of the {@code type} provider whose {@code nameOf}, simple class name or class
     * name equals {@code name} (case-insensitive).
     *
     * @throws IllegalArgumentException naming the built-in and the found names when none matches
     */
    public static <T> T find(Class<T> type, String name, Function<T, String> nameOf, List<String> builtIn, String what) {
        String wanted = name == null ? "" : name.trim();
        List<String> found = new ArrayList<>();
        try {
            for (T t : ServiceLoader.load(type, Thread.currentThread().getContextClassLoader())) {
                String n = nameOf.apply(t);
                found.add(n);
                if (n.equalsIgnoreCase(wanted) || t.getClass().getSimpleName().equalsIgnoreCase(wanted)
                        || t.getClass().getName().equals(wanted)) {
                    return t;
                }
            }
        } catch (ServiceConfigurationError e) {
            throw new IllegalArgumentException("cannot load " + what + " plugins: " + e.getMessage()
                    + " (each listed class needs a public no-argument constructor)", e);
        }
        List<String> all = new ArrayList<>(builtIn);
        all.addAll(found);
        throw new IllegalArgumentException("unknown " + what + " '" + name + "': use one of " + all
                + ", or list your own in META-INF/services/" + type.getName());
    }
}
