package dev.gale.bench.train;

import io.netty.channel.epoll.Epoll;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** The data-plane transports that {@code gale bench transports} measures, in the order printed. */
enum Transport {
    NIO_BLOCKING("nio-blocking", "nio"),
    NIO_SELECTOR("nio-selector", "nio"),
    NETTY_NIO("netty-nio", "netty"),
    NETTY_EPOLL("netty-epoll", "netty"),
    AERON_UDP("aeron-udp", "aeron"),
    AERON_IPC("aeron-ipc", "aeron"),
    SHM("shm", "shm");

    /** The ring's own way ({@code Link}): every ratio is to this one. */
    static final Transport REFERENCE = NIO_SELECTOR;

    final String label;
    final String group;

    Transport(String label, String group) {
        this.label = label;
        this.group = group;
    }

    /** Why this transport cannot run here, or null when it can. */
    String unavailable() {
        return switch (this) {
            case NETTY_EPOLL -> Epoll.isAvailable() ? null
                    : "Netty's native epoll transport did not load: " + Epoll.unavailabilityCause();
            case AERON_UDP, AERON_IPC, SHM -> Files.isDirectory(shm()) ? null : "no " + shm() + " (shared memory) on this machine";
            default -> null;
        };
    }

    /** Where the shared-memory files go (the Aeron directory, the rings). */
    static Path shm() {
        return Path.of("/dev/shm");
    }

    static Transport byLabel(String label) {
        for (Transport t : values()) if (t.label.equals(label)) return t;
        throw new IllegalArgumentException("unknown transport '" + label + "'");
    }

    /**
     * The transports named by {@code --only}: groups (nio, netty, aeron, shm) or single labels
     * (e.g. nio-selector), comma-separated.
     *
     * @throws IllegalArgumentException naming {@code --only} and the word it did not know
     */
    static List<Transport> parse(String only) {
        List<Transport> out = new ArrayList<>();
        for (String w : only.split(",")) {
            String word = w.trim().toLowerCase(Locale.ROOT);
            if (word.isEmpty()) continue;
            boolean hit = false;
            for (Transport t : values()) {
                if (t.group.equals(word) || t.label.equals(word)) {
                    hit = true;
                    if (!out.contains(t)) out.add(t);
                }
            }
            if (!hit) {
                throw new IllegalArgumentException("--only: unknown transport '" + w.trim() + "': use nio, netty, aeron, shm"
                        + " or one of nio-blocking, nio-selector, netty-nio, netty-epoll, aeron-udp, aeron-ipc, shm");
            }
        }
        if (out.isEmpty()) throw new IllegalArgumentException("--only: name at least one transport (nio, netty, aeron, shm)");
        out.sort(null);
        return out;
    }
}
