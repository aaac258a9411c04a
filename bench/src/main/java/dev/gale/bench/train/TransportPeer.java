package dev.gale.bench.train;

import java.io.IOException;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;

/**
 * The peer JVM of {@code gale bench transports} (rank 1): connects to the bench's JVM over one
 * transport, runs {@link TransportScript} and exits. Arguments: transport label, seconds it may run,
 * the plan ({@link TransportScript.Plan#toArgs()}), then the transport's own
 * ({@link Endpoints.Parent#peerArgs()}). It prints {@value #PORT} lines when the parent needs a
 * port, {@value #DONE} at the end, {@value #ERROR} and exits 1 on failure; it exits 3 when its
 * standard input closes (the bench's JVM is gone) and 4 when its time is up.
 */
public final class TransportPeer {
    static final String PORT = "PORT";
    static final String DONE = "DONE";
    static final String ERROR = "ERROR";

    private TransportPeer() {
    }

    /** Entry point of the peer JVM. */
    public static void main(String[] argv) {
        List<String> a = Arrays.asList(argv);
        Thread.ofPlatform().daemon().name("stdin-watch").start(() -> {
            try {
                while (System.in.read() >= 0) {
                    // the parent writes nothing; EOF means it closed the pipe or died
                }
            } catch (IOException ignored) {
                // same as EOF
            }
            Runtime.getRuntime().halt(3);
        });
        long seconds = Long.parseLong(a.get(1));
        Thread.ofPlatform().daemon().name("peer-deadline").start(() -> {
            try {
                Thread.sleep(seconds * 1000 + 5000);
                System.out.println(ERROR + " the peer JVM ran past its " + seconds + " s");
                System.out.flush();
                Runtime.getRuntime().halt(4);
            } catch (InterruptedException ignored) {
                // not interrupted
            }
        });
        int code = 0;
        ScheduledExecutorService dog = Executors.newSingleThreadScheduledExecutor(r -> Thread.ofPlatform().daemon().unstarted(r));
        try (Endpoints ends = new Endpoints()) {
            Transport t = Transport.byLabel(a.get(0));
            TransportScript.Plan plan = TransportScript.Plan.fromArgs(a.subList(2, 7));
            long deadline = System.nanoTime() + seconds * 1_000_000_000L;
            Conn conn = ends.peer(t, a.subList(7, a.size()), deadline, dog);
            new TransportScript(conn, 1, plan, deadline).run(() -> 0);
            System.out.println(DONE);
        } catch (Throwable e) {
            System.out.println(ERROR + " " + e);
            code = 1;
        } finally {
            dog.shutdownNow();
        }
        System.out.flush();
        Runtime.getRuntime().halt(code);
    }
}
