package dev.gale.tune.storage;

import java.nio.file.Path;

/**
 * A child JVM for {@link ExperimentLockTest}: takes the lock of {@code args[0]}, prints
 * {@code LOCKED <pid>}, then holds it until killed (at most 3 minutes, so it never outlives a test run).
 */
public final class LockHolderMain {
    private LockHolderMain() {
    }

    public static void main(String[] args) throws Exception {
        ExperimentLock lock = ExperimentLock.acquire(Path.of(args[0]), "LockHolderMain " + args[0]);
        System.out.println("LOCKED " + lock.owner().pid());
        System.out.flush();
        Thread.sleep(180_000);
        lock.close();
    }
}
