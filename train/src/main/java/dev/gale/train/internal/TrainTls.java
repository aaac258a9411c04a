package dev.gale.train.internal;

import com.typesafe.config.Config;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.util.Optional;

/**
 * TLS for a group's control links and data plane, with the cluster's secret: the PKCS12 keystore
 * every member of a TLS cluster uses as key store and trust store. Both ends present the key
 * (mutual TLS 1.3), so only holders of the cluster secret can connect to a driver or join a ring.
 *
 * <p>Promises: {@link #fromCluster} is present exactly when the node's Pekko remoting runs
 * {@code tls-tcp} (as {@code GaleNode} configures it for a {@code TlsSettings}); the password
 * never appears in {@link #toString()}, a command line or an environment variable (workers get it
 * on their standard input).
 */
public final class TrainTls {
    private static final String SSL = "pekko.remote.artery.ssl.config-ssl-engine.";
    private static final String[] PROTOCOLS = {"TLSv1.3"};
    /** AES-128-GCM first: the data plane is bound by the cipher's speed (AES-NI makes GCM the fastest here). */
    private static final String[] SUITES = {"TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384", "TLS_CHACHA20_POLY1305_SHA256"};

    private final Path keyStore;
    private final String password;
    private final SSLContext context;

    private TrainTls(Path keyStore, String password) {
        this.keyStore = keyStore;
        this.password = password;
        try (InputStream in = Files.newInputStream(keyStore)) {
            KeyStore ks = KeyStore.getInstance("PKCS12");
            ks.load(in, password.toCharArray());
            KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            kmf.init(ks, password.toCharArray());
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(ks);
            context = SSLContext.getInstance("TLSv1.3");
            context.init(kmf.getKeyManagers(), tmf.getTrustManagers(), null);
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalStateException("the cluster secret " + keyStore + " cannot be used for the training data plane: " + e, e);
        }
    }

    /** TLS with the keystore and password (both ends must hold the same keystore). */
    public static TrainTls of(Path keyStore, String password) {
        return new TrainTls(keyStore.toAbsolutePath(), password);
    }

    /** The cluster's TLS as configured on this node's actor system, or empty for a plain-TCP cluster. */
    public static Optional<TrainTls> fromCluster(Config pekko) {
        if (!"tls-tcp".equals(pekko.hasPath("pekko.remote.artery.transport") ? pekko.getString("pekko.remote.artery.transport") : "")) {
            return Optional.empty();
        }
        return Optional.of(of(Path.of(pekko.getString(SSL + "key-store")), pekko.getString(SSL + "key-store-password")));
    }

    /** Writes what a worker JVM needs to {@code stdin} (two lines: keystore, password) and closes it. */
    void writeTo(OutputStream stdin) throws IOException {
        try (stdin) {
            stdin.write((keyStore + "\n" + password + "\n").getBytes(StandardCharsets.UTF_8));
        }
    }

    /** Reads what {@link #writeTo} wrote, or empty when the input ends at once (a plain-TCP cluster). */
    static Optional<TrainTls> readFrom(InputStream stdin) throws IOException {
        BufferedReader r = new BufferedReader(new InputStreamReader(stdin, StandardCharsets.UTF_8));
        String ks = r.readLine();
        if (ks == null || ks.isEmpty()) return Optional.empty();
        String pw = r.readLine();
        if (pw == null) throw new IOException("the TLS password line is missing on the worker's standard input");
        return Optional.of(of(Path.of(ks), pw));
    }

    /** An engine for one data-plane connection ({@code client}: the connecting side). */
    SSLEngine engine(boolean client) {
        SSLEngine e = context.createSSLEngine();
        e.setUseClientMode(client);
        e.setEnabledProtocols(PROTOCOLS);
        javax.net.ssl.SSLParameters p = e.getSSLParameters();
        p.setCipherSuites(SUITES);
        p.setUseCipherSuitesOrder(true);
        if (!client) p.setNeedClientAuth(true);
        e.setSSLParameters(p);
        return e;
    }

    /** The driver's control server socket (clients must present the key). */
    SSLServerSocket serverSocket() throws IOException {
        SSLServerSocket s = (SSLServerSocket) context.getServerSocketFactory().createServerSocket();
        s.setEnabledProtocols(PROTOCOLS);
        s.setNeedClientAuth(true);
        return s;
    }

    /** A worker's control connection to the driver, handshake done. */
    SSLSocket connect(InetSocketAddress to, int timeoutMs) throws IOException {
        SSLSocket s = (SSLSocket) context.getSocketFactory().createSocket();
        s.setEnabledProtocols(PROTOCOLS);
        s.connect(to, timeoutMs);
        s.setSoTimeout(timeoutMs);
        s.startHandshake();
        s.setSoTimeout(0);
        return s;
    }

    @Override
    public String toString() {
        return "TrainTls[keyStore=" + keyStore + ", TLSv1.3, mutual]";
    }
}
