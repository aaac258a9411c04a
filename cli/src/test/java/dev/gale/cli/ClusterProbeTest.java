package dev.gale.cli;

import dev.gale.cluster.ClusterSecret;
import dev.gale.cluster.TlsSettings;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link ClusterProbe} against servers in this JVM: nothing listening, a plain TCP server (a cluster
 * without TLS), a TLS server with the same cluster secret (passes) and one with another secret;
 * each failure is one line naming the option to fix.
 */
class ClusterProbeTest {
    static final String PASSWORD = "probe-secret";
    @TempDir
    static Path tmp;
    static TlsSettings secret;
    static TlsSettings other;

    @BeforeAll
    static void secrets() {
        CompletableFuture<Void> o = CompletableFuture.runAsync(() -> ClusterSecret.create(tmp.resolve("other.p12"), PASSWORD));
        ClusterSecret.create(tmp.resolve("cluster.p12"), PASSWORD);
        o.join();
        secret = new TlsSettings(tmp.resolve("cluster.p12"), PASSWORD);
        other = new TlsSettings(tmp.resolve("other.p12"), PASSWORD);
    }

    @Test
    void nothingListeningSaysHowToStartACluster() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        String addr = "127.0.0.1:" + port;
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> ClusterProbe.tls(addr, secret));
        assertTrue(e.getMessage().startsWith("no Gale cluster at " + addr) && e.getMessage().contains("gale cluster start"), e.getMessage());
    }

    @Test
    void aServerWithoutTlsIsNamedAndTheOptionToDrop() throws Exception {
        try (ServerSocket s = new ServerSocket(0, 5, InetAddress.getLoopbackAddress())) {
            CompletableFuture<Void> server = CompletableFuture.runAsync(() -> {
                while (!s.isClosed()) {
                    try (Socket c = s.accept()) {
                        c.getInputStream().read(new byte[5]); // as Artery without TLS: reads a header, finds none, closes
                    } catch (Exception ignored) {
                        // the client's side is what the test checks; the loop ends when the server socket is closed
                    }
                }
            });
            String addr = "127.0.0.1:" + s.getLocalPort();
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ClusterProbe.tls(addr, secret));
            assertTrue(e.getMessage().contains("did not answer TLS with --tls-keystore " + secret.keyStore())
                    && e.getMessage().contains("leave the option out"), e.getMessage());
            assertTrue(e.getMessage().lines().count() == 1, e.getMessage());
            s.close();
            server.get(30, TimeUnit.SECONDS);
        }
    }

    @Test
    void theSameSecretPassesAndAnotherIsRefusedNamingTheKeystore() throws Exception {
        try (SSLServerSocket s = tlsServer(secret)) {
            CompletableFuture<Void> server = CompletableFuture.runAsync(() -> {
                while (!s.isClosed()) {
                    try (SSLSocket c = (SSLSocket) s.accept()) {
                        c.setSoTimeout(10_000);
                        c.startHandshake();
                        c.getInputStream().read(); // until the probe closes
                    } catch (Exception ignored) {
                        // the refused handshake ends here; the loop ends when the server socket is closed
                    }
                }
            });
            String addr = "127.0.0.1:" + s.getLocalPort();
            ClusterProbe.tls(addr, secret);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ClusterProbe.tls(addr, other));
            assertTrue(e.getMessage().equals("the cluster at " + addr + " uses another cluster secret than --tls-keystore "
                    + other.keyStore() + " (its certificate is not in that keystore): pass the keystore its nodes were started with"),
                    e.getMessage());
            s.close();
            server.get(30, TimeUnit.SECONDS);
        }
    }

    /** A TLS 1.3 server that, as a member, uses the secret as key and trust store and requires a client certificate. */
    private static SSLServerSocket tlsServer(TlsSettings t) throws Exception {
        KeyStore ks = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(t.keyStore())) {
            ks.load(in, t.password().toCharArray());
        }
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(ks, t.password().toCharArray());
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(ks);
        SSLContext ctx = SSLContext.getInstance("TLSv1.3");
        ctx.init(kmf.getKeyManagers(), tmf.getTrustManagers(), null);
        SSLServerSocket s = (SSLServerSocket) ctx.getServerSocketFactory().createServerSocket(0, 5, InetAddress.getLoopbackAddress());
        s.setNeedClientAuth(true);
        return s;
    }
}
