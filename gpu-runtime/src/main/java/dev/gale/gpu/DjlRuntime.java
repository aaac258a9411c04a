package dev.gale.gpu;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.nn.Parameter;
import ai.djl.training.GradientCollector;
import ai.djl.training.Trainer;
import ai.djl.util.Pair;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.nio.file.Path;

/**
 * DJL bootstrap for Gale: offline natives, the PyTorch thread count of a lease, and the device a
 * lease maps to.
 *
 * <p><b>Threads.</b> PyTorch's CPU kernels run on an OpenMP pool (the Linux CPU natives of DJL
 * 0.36 / PyTorch 2.7.1 ship GNU {@code libgomp}). Its thread count is an OpenMP ICV that libgomp
 * keeps <em>per calling thread</em>, and {@code at::set_num_threads(n)} sets it for the calling
 * thread (plus a process-wide default that threads which have not yet run a PyTorch op pick up
 * lazily). So two trials on two platform threads of one JVM can each run with the thread count
 * of their own lease, provided each calls {@link #configureThreadForLease(int)} on its own thread
 * before its first op. Without it every trial uses PyTorch's default, all cores. Measured on 2
 * cores ({@code gale bench concurrency}, docs/examples.md): two 1-CPU trials in one JVM keep
 * 75-100 % of a lone trial's samples/s with the lease's count; with the default, libgomp notices
 * the oversubscription inside one process and the pair still keeps 60-90 %, but two trial
 * <em>processes</em> with default threads fell to 0.6k-5k samples/s each against 16k-20k with one
 * thread each: the lease's count matters most for worker JVMs and shared machines.
 *
 * <p>What does not work per thread: the inter-op pool ({@code set_num_interop_threads} may be
 * called once per process, before any parallel work, so Gale leaves it alone; eager DJL training
 * does not use it), and {@code OMP_WAIT_POLICY} (read by libgomp from the environment when it is
 * loaded, so it must be set in the environment of the JVM, e.g. {@code OMP_WAIT_POLICY=PASSIVE
 * java ...}; it matters when a multi-threaded trial shares cores with other busy processes).
 * The system properties {@code ai.djl.pytorch.num_threads} / {@code ai.djl.pytorch.num_interop_threads}
 * are read once, when the engine starts, and apply to the whole process.
 *
 * <p><b>Gradients.</b> DJL 0.36's PyTorch {@code GradientCollector} allows one collector per
 * <em>process</em> at a time (a static flag: a second trial thread fails with "A
 * PtGradientCollector is already collecting"), although PyTorch's grad mode is per thread and
 * concurrent backward passes on separate graphs are supported. Trainables that may run next to
 * another trial in the same JVM use {@link #newGradientCollector(Trainer)} instead of
 * {@code trainer.newGradientCollector()}.
 *
 * <p>Promises: every method is safe to call when the PyTorch engine is not on the class path
 * ({@link #configureThreadForLease} is then a no-op); none downloads anything once
 * {@link #ensureOffline()} ran.
 */
public final class DjlRuntime {
    private static final Logger LOG = LoggerFactory.getLogger(DjlRuntime.class);

    /**
     * System property: set to {@code false} to make {@link #configureThreadForLease} a no-op
     * (PyTorch then uses its default, all cores, on every thread). For comparisons only.
     */
    public static final String LEASE_THREADS_PROPERTY = "gale.djl.leaseThreads";

    private static final String JNI_UTILS = "ai.djl.pytorch.jni.JniUtils";
    private static final String ENGINE_PROVIDER = "ai.djl.pytorch.engine.PtEngineProvider";
    private static final String NUM_THREADS_PROPERTY = "ai.djl.pytorch.num_threads";
    /** A lease's thread count set on a thread before the engine ran, applied by the next call there. */
    private static final ThreadLocal<Integer> PENDING = new ThreadLocal<>();
    private static volatile Methods methods;
    private static volatile boolean unavailable;

    private DjlRuntime() {
    }

    /**
     * Makes DJL work offline: sets {@code ai.djl.offline=true} unless the property or the
     * {@code DJL_OFFLINE} environment variable says otherwise, and sets the {@code DJL_CACHE_DIR}
     * system property (where DJL extracts its natives; DJL reads the environment variable first,
     * then the property) to {@code ~/.djl.ai} unless one of them is set. Call before DJL's engine
     * starts (the first {@code Engine.getInstance()} or NDManager).
     */
    public static void ensureOffline() {
        if (System.getProperty("ai.djl.offline") == null && System.getenv("DJL_OFFLINE") == null) {
            System.setProperty("ai.djl.offline", "true");
        }
        if (System.getProperty("DJL_CACHE_DIR") == null && System.getenv("DJL_CACHE_DIR") == null) {
            System.setProperty("DJL_CACHE_DIR", Path.of(System.getProperty("user.home"), ".djl.ai").toString());
        }
    }

    /**
     * Sets the PyTorch intra-op thread count of the calling thread to {@code threads}: PyTorch
     * operations issued from this thread then use at most {@code threads} cores. Call it on the
     * trial's own platform thread, before the trainable runs (again for each trial when threads
     * are reused). Does nothing when PyTorch is not on the class path, or when
     * {@link #LEASE_THREADS_PROPERTY} is {@code false}.
     *
     * <p>It never starts the engine itself (loading libtorch takes about a second, which a trial
     * that never touches DJL, such as a cheap define-by-run objective, should not pay). When the
     * engine runs already, the count is set for this thread at once. When it does not, the count is
     * remembered for this thread and applied by the next call of this class on it (such as
     * {@link #threadCount()}), and the system property {@code ai.djl.pytorch.num_threads} is set
     * to it unless already set, so the engine, when the trainable starts it, makes it the default
     * of every thread that has not run a PyTorch op: with one lease size per JVM (the usual case)
     * every trial runs with its lease's count; trials of other sizes that start before the engine
     * get the first one's until their thread calls this again.
     *
     * @param threads intra-op threads, at least 1 (see {@link ResourceSpec#threads()})
     * @throws IllegalArgumentException when {@code threads < 1}
     */
    public static void configureThreadForLease(int threads) {
        if (threads < 1) {
            throw new IllegalArgumentException("threads = " + threads + ": must be >= 1 (a lease of 0 CPUs runs with 1 thread)");
        }
        if ("false".equalsIgnoreCase(System.getProperty(LEASE_THREADS_PROPERTY))) {
            return;
        }
        if (!engineStarted()) {
            if (findClass() == null) {
                return;
            }
            PENDING.set(threads);
            if (System.getProperty(NUM_THREADS_PROPERTY) == null) {
                System.setProperty(NUM_THREADS_PROPERTY, Integer.toString(threads));
            }
            return;
        }
        PENDING.remove();
        Methods m = methods();
        if (m == null) {
            return;
        }
        apply(m, threads);
    }

    private static void apply(Methods m, int threads) {
        try {
            // get first: PyTorch initialises a thread's OpenMP count lazily on its first op from the
            // process-wide default; doing that now keeps it from overwriting the value set below.
            m.get.invoke(null);
            m.set.invoke(null, threads);
        } catch (IllegalAccessException e) {
            throw new IllegalStateException("cannot call " + JNI_UTILS + ": " + e, e);
        } catch (InvocationTargetException e) {
            throw new IllegalStateException("PyTorch refused " + threads + " threads: " + e.getCause(), e.getCause());
        }
    }

    /**
     * The PyTorch intra-op thread count of the calling thread, or -1 when the PyTorch engine is
     * not on the class path. Starts the engine like {@link #configureThreadForLease}.
     */
    public static int threadCount() {
        Methods m = methods();
        if (m == null) {
            return -1;
        }
        Integer pending = PENDING.get();
        if (pending != null) {
            PENDING.remove();
            apply(m, pending);
        }
        try {
            return (Integer) m.get.invoke(null);
        } catch (IllegalAccessException e) {
            throw new IllegalStateException("cannot call " + JNI_UTILS + ": " + e, e);
        } catch (InvocationTargetException e) {
            throw new IllegalStateException("PyTorch getNumThreads failed: " + e.getCause(), e.getCause());
        }
    }

    /** The DJL device of an allocation: the first granted GPU, else the CPU. */
    public static Device deviceFor(Allocation allocation) {
        if (allocation == null || allocation.gpus().isEmpty()) {
            return Device.cpu();
        }
        return Device.gpu(allocation.gpus().get(0).index());
    }

    /**
     * A gradient collector for {@code trainer} that may be open on several threads at once.
     * With the PyTorch engine it switches PyTorch's (per-thread) grad mode on for the calling
     * thread and runs backward itself, without DJL's process-wide one-collector-at-a-time flag;
     * {@link GradientCollector#zeroGradients()} zeroes the gradients of {@code trainer}'s model
     * only. With any other engine it is {@code trainer.newGradientCollector()}. Close it on the
     * thread that opened it.
     */
    public static GradientCollector newGradientCollector(Trainer trainer) {
        if (!"PyTorch".equals(trainer.getManager().getEngine().getEngineName())) {
            return trainer.newGradientCollector();
        }
        Grad g = grad();
        if (g == null) {
            return trainer.newGradientCollector();
        }
        return new PtThreadGradientCollector(g, trainer);
    }

    private record Methods(Method get, Method set) {
    }

    /** Reflective handles on PyTorch's grad-mode and backward calls. */
    private record Grad(Method isGradMode, Method setGradMode, Method backward) {
        Object call(Method m, Object... args) {
            try {
                return m.invoke(null, args);
            } catch (IllegalAccessException e) {
                throw new IllegalStateException("cannot call " + JNI_UTILS + "." + m.getName() + ": " + e, e);
            } catch (InvocationTargetException e) {
                Throwable c = e.getCause();
                if (c instanceof RuntimeException r) throw r;
                if (c instanceof Error err) throw err;
                throw new IllegalStateException(c);
            }
        }
    }

    private static volatile Grad grad;

    private static Grad grad() {
        Grad g = grad;
        if (g != null) return g;
        Class<?> jni = findClass();
        if (jni == null) return null;
        try {
            Class<?> ptArray = Class.forName("ai.djl.pytorch.engine.PtNDArray", false, jni.getClassLoader());
            g = new Grad(jni.getMethod("isGradMode"), jni.getMethod("setGradMode", boolean.class),
                    jni.getMethod("backward", ptArray, ptArray, boolean.class, boolean.class));
            grad = g;
            return g;
        } catch (ClassNotFoundException | NoSuchMethodException e) {
            LOG.warn("PyTorch JniUtils has no grad-mode/backward methods ({}): using DJL's one-at-a-time collector", e.toString());
            return null;
        }
    }

    /** What DJL's PtGradientCollector does, minus the process-wide flag. */
    private static final class PtThreadGradientCollector implements GradientCollector {
        private final Grad g;
        private final Trainer trainer;
        private final boolean previous;
        private boolean closed;

        PtThreadGradientCollector(Grad g, Trainer trainer) {
            this.g = g;
            this.trainer = trainer;
            this.previous = (Boolean) g.call(g.isGradMode);
            g.call(g.setGradMode, true);
        }

        @Override
        public void backward(NDArray target) {
            try (NDArray ones = target.getManager().ones(target.getShape(), target.getDataType())) {
                g.call(g.backward, target, ones, false, false);
            }
        }

        @Override
        public void zeroGradients() {
            for (Pair<String, Parameter> p : trainer.getModel().getBlock().getParameters()) {
                Parameter param = p.getValue();
                if (param.isInitialized() && param.getArray().hasGradient()) {
                    NDArray grad = param.getArray().getGradient();
                    grad.subi(grad);
                }
            }
        }

        @Override
        public void close() {
            if (closed) return;
            closed = true;
            if (!previous) {
                g.call(g.setGradMode, false);
            }
        }
    }

    private static Methods methods() {
        Methods m = methods;
        if (m != null || unavailable) {
            return m;
        }
        synchronized (DjlRuntime.class) {
            if (methods != null || unavailable) {
                return methods;
            }
            Class<?> jni = findClass();
            if (jni == null) {
                unavailable = true;
                LOG.debug("PyTorch engine not on the class path: lease thread counts are not applied");
                return null;
            }
            ensureOffline();
            try {
                // starts the engine: loads the natives and applies ai.djl.pytorch.num_threads if set
                Engine.getEngine("PyTorch");
                methods = new Methods(jni.getMethod("getNumThreads"), jni.getMethod("setNumThreads", int.class));
                return methods;
            } catch (NoSuchMethodException e) {
                unavailable = true;
                LOG.warn("{} has no getNumThreads/setNumThreads: lease thread counts are not applied", JNI_UTILS);
                return null;
            } catch (RuntimeException e) {
                // natives missing or broken: a trainable that uses DJL fails with DJL's own message
                unavailable = true;
                LOG.warn("PyTorch engine did not start ({}): lease thread counts are not applied", e.toString());
                return null;
            }
        }
    }

    /**
     * True once the PyTorch engine runs in this process, started by this class or by a trainable
     * (DJL's provider keeps it in a static field; when that cannot be read, only a start by this
     * class counts).
     */
    private static boolean engineStarted() {
        if (methods != null) return true;
        if (unavailable) return false;
        java.lang.reflect.Field f = engineField;
        if (f == null) {
            Class<?> jni = findClass();
            if (jni == null) return false;
            try {
                f = Class.forName(ENGINE_PROVIDER, true, jni.getClassLoader()).getDeclaredField("engine");
                f.setAccessible(true);
                engineField = f;
            } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
                return false;
            }
        }
        try {
            return f.get(null) != null;
        } catch (IllegalAccessException e) {
            return false;
        }
    }

    private static volatile java.lang.reflect.Field engineField;

    private static Class<?> findClass() {
        for (ClassLoader cl : new ClassLoader[] {DjlRuntime.class.getClassLoader(), Thread.currentThread().getContextClassLoader()}) {
            if (cl == null) continue;
            try {
                return Class.forName(JNI_UTILS, false, cl);
            } catch (ClassNotFoundException | LinkageError e) {
                // try the next loader
            }
        }
        return null;
    }
}
