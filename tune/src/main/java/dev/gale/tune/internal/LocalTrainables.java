package dev.gale.tune.internal;

import dev.gale.tune.Trainable;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Trainable instances (lambdas included) registered in this JVM under a key, so the embedded
 * cluster can run them; nodes in other JVMs need a class name instead.
 */
public final class LocalTrainables {
    private static final Map<String, Trainable> REGISTRY = new ConcurrentHashMap<>();
    private static final AtomicLong COUNTER = new AtomicLong();
    /** Prefix of keys of registered instances. */
    public static final String PREFIX = "local:";

    private LocalTrainables() {
    }

    /** Registers {@code t} and returns its key. */
    public static String register(Trainable t) {
        String key = PREFIX + COUNTER.incrementAndGet();
        REGISTRY.put(key, t);
        return key;
    }

    /** Forgets a key. */
    public static void unregister(String key) {
        REGISTRY.remove(key);
    }

    /** Resolves a key or a class name to a Trainable; errors name the fix. */
    public static Trainable resolve(String ref) throws ReflectiveOperationException {
        if (ref.startsWith(PREFIX)) {
            Trainable t = REGISTRY.get(ref);
            if (t == null) {
                throw new IllegalStateException("trainable " + ref + " is an instance registered in the driver JVM and"
                        + " cannot run on another node: pass a public Trainable class with a no-arg constructor instead");
            }
            return t;
        }
        Class<?> cls;
        try {
            cls = Class.forName(ref, true, Thread.currentThread().getContextClassLoader() != null
                    ? Thread.currentThread().getContextClassLoader() : LocalTrainables.class.getClassLoader());
        } catch (ClassNotFoundException e) {
            throw new ClassNotFoundException("trainable class " + ref + " is not on the classpath: add its jar"
                    + " (gale tune --classpath ...) or check the name", e);
        }
        if (!Trainable.class.isAssignableFrom(cls)) {
            throw new IllegalArgumentException("class " + ref + " does not implement " + Trainable.class.getName());
        }
        try {
            return (Trainable) cls.getDeclaredConstructor().newInstance();
        } catch (NoSuchMethodException e) {
            throw new NoSuchMethodException("trainable class " + ref + " needs a public no-argument constructor");
        }
    }
}
