package dev.gale.train.internal;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** The shared-memory pipe: what only the offered file with its nonce can open, order across wrap-around, close. */
class ShmPipeTest {
    private Path dir;

    @BeforeEach
    void shm() {
        dir = ShmPipe.directory();
        assumeTrue(dir != null, "this host has no /dev/shm");
    }

    @Test
    void onlyTheOfferedFileWithItsNonceOpensAndItIsTheOwnersAlone() throws IOException {
        ShmPipe p = ShmPipe.create(dir, 1234L);
        try {
            assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(p.file())));
            IOException e = assertThrows(IOException.class, () -> ShmPipe.open(p.file(), 999L));
            assertTrue(e.getMessage().contains("nonce"), e.getMessage());
            assertThrows(IOException.class, () -> ShmPipe.open(dir.resolve("gale-ring-none.shm"), 1234L));
            Path other = Files.createTempFile("not-a-pipe", ".shm");
            try {
                assertThrows(IOException.class, () -> ShmPipe.open(other, 1234L), "a file that is not a ring pipe is refused");
            } finally {
                Files.delete(other);
            }
            ShmPipe.open(p.file(), 1234L).close();
        } finally {
            p.close();
        }
        assertFalse(Files.exists(p.file()), "closing deletes the file");
    }

    @Test
    void floatsArriveInOrderAcrossManyWrapArounds() throws IOException {
        ShmPipe w = ShmPipe.create(dir, 7L);
        ShmPipe r = ShmPipe.open(w.file(), 7L);
        w.unlink();
        int total = ShmPipe.CAPACITY; // floats: four times the pipe's bytes
        float[] src = new float[total];
        for (int i = 0; i < total; i++) src[i] = i;
        float[] dst = new float[total];
        float[] tmp = new float[4096];
        int sent = 0;
        int got = 0;
        int rounds = 0;
        while (got < total) {
            // odd-sized moves so that the positions do not stay aligned with the end of the pipe
            if (sent < total) sent += w.offer(src, sent, Math.min(3001, total - sent));
            got += r.poll(dst, got, Math.min(2999, total - got), false, tmp);
            assertTrue(++rounds < 10_000_000, "the pipe keeps moving");
        }
        for (int i = 0; i < total; i++) assertEquals(i, dst[i], "float " + i);
        assertEquals(0, r.poll(dst, 0, 10, false, tmp), "nothing more arrives");
        // adding: the reader adds what arrives to what it holds
        float[] acc = {1, 2, 3};
        assertEquals(3, w.offer(new float[]{10, 20, 30}, 0, 3));
        assertEquals(3, r.poll(acc, 0, 3, true, tmp));
        assertEquals(11f, acc[0]);
        assertEquals(33f, acc[2]);
        assertFalse(r.peerClosed());
        w.close();
        assertTrue(r.peerClosed(), "the reader sees the writer close");
        r.close();
    }

    @Test
    void aFullPipeTakesNothingMoreUntilTheReaderMovesOn() throws IOException {
        ShmPipe w = ShmPipe.create(dir, 8L);
        ShmPipe r = ShmPipe.open(w.file(), 8L);
        w.unlink();
        float[] big = new float[ShmPipe.CAPACITY / 4 + 100];
        assertEquals(ShmPipe.CAPACITY / 4, w.offer(big, 0, big.length), "fills the pipe, no more");
        assertEquals(0, w.offer(big, 0, 1), "full");
        float[] tmp = new float[10];
        assertEquals(10, r.poll(new float[10], 0, 10, false, tmp));
        assertEquals(10, w.offer(big, 0, 100), "room for what was read");
        w.close();
        r.close();
    }
}
