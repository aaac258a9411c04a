package dev.gale.cluster;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The JVM's shared embedded node: one start however it is asked for, a new one after closeShared. */
class SharedNodeTest {
    @AfterEach
    void stop() {
        GaleNode.closeShared();
    }

    @Test
    void aPrestartIsWaitedForNotRepeatedAndEveryCallerGetsTheSameNode() throws Exception {
        GaleNode.prestartShared();
        GaleNode.prestartShared(); // idempotent while starting
        CompletableFuture<GaleNode> other = CompletableFuture.supplyAsync(GaleNode::shared);
        GaleNode a = GaleNode.shared();
        assertSame(a, other.get(120, TimeUnit.SECONDS), "a caller on another thread waits for the same start");
        assertTrue(GaleNode.isShared(a));
        assertTrue(a.status(Duration.ofSeconds(30)).nodes().stream().anyMatch(n -> n.nodeId().equals(a.nodeId())),
                "the shared node is registered when shared() returns");
        GaleNode.prestartShared(); // running: nothing to do
        assertSame(a, GaleNode.shared());

        GaleNode.closeShared();
        assertTrue(a.isTerminated(), "closeShared stops it");
        assertFalse(GaleNode.isShared(a));
        GaleNode b = GaleNode.shared();
        assertNotSame(a, b, "the next call starts a new node");
        assertFalse(b.isTerminated());
    }
}
