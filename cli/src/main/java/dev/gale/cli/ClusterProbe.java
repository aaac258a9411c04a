package dev.gale.cli;

import dev.gale.cluster.TlsSettings;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.file.Files;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;

/**
 * What a client command checks at a cluster's address before it starts a Pekko client there, so
 * that a wrong address or a wrong cluster secret fails within seconds with one line naming the
 * option to fix, instead of after the client's join timeout (a minute).
 *
 * <p>Promises: {@link #reachable} opens (and closes) one TCP connection; {@link #tls} also runs one
 * TLS handshake with the cluster secret's key pair as both key and trust material, as the members
 * do (TLSv1.3, mutual authentication) on one connection, then closes it. Both wait at most a few seconds
 * and throw an exception whose message is one line.
 */
final class ClusterProbe {
    /** How long the TCP connect may take. */
    static final int CONNECT_TIMEOUT_MS = 3000;
    /** How long the TLS handshake, and the wait for a rejection of our certificate after it, may take. */
    static final int HANDSHAKE_TIMEOUT_MS = 5000;
    /** After a handshake, how long to wait for the server's alert if it refuses our certificate (TLS 1.3 tells it late). */
    static final int REJECTION_WAIT_MS = 300;

    private ClusterProbe() {
    }

    /**
     * Checks that something accepts TCP connections at {@code address} ({@code host:port}).
     *
     * @throws IllegalStateException saying how to start a cluster when nothing does
     */
    static void reachable(String address) {
        try (Socket s = new Socket()) {
            s.connect(socketAddress(address), CONNECT_TIMEOUT_MS);
        } catch (IOException e) {
            throw noCluster(address, e);
        }
    }

    private static IllegalStateException noCluster(String address, IOException e) {
        return new IllegalStateException("no Gale cluster at " + address + " (" + e.getMessage() + "). Start one with "
                + "`gale cluster start`, or pass the address of a running node with --address host:port");
    }

    /**
     * Checks that the node at {@code address} speaks TLS with the cluster secret of {@code tls}: its
     * certificate is trusted by the secret, and it does not refuse ours.
     *
     * @throws IllegalArgumentException naming {@code --tls-keystore} when the node runs another
     *                                  cluster secret, or no TLS at all
     * @throws IllegalStateException    when nothing accepts connections at {@code address}
     */
    static void tls(String address, TlsSettings tls) {
        SSLContext ctx;
        Recording trust;
        try {
            KeyStore ks = KeyStore.getInstance("PKCS12");
            try (InputStream in = Files.newInputStream(tls.keyStore())) {
                ks.load(in, tls.password().toCharArray());
            }
            KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            kmf.init(ks, tls.password().toCharArray());
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(ks);
            X509TrustManager inner = null;
            for (TrustManager t : tmf.getTrustManagers()) {
                if (t instanceof X509TrustManager x) inner = x;
            }
            if (inner == null) throw new GeneralSecurityException("no X.509 trust manager for " + tls.keyStore());
            trust = new Recording(inner);
            ctx = SSLContext.getInstance("TLSv1.3");
            ctx.init(kmf.getKeyManagers(), new TrustManager[] {trust}, null);
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalArgumentException("--tls-keystore " + tls.keyStore() + ": cannot be used for TLS: " + e.getMessage(), e);
        }
        String keystore = "--tls-keystore " + tls.keyStore();
        try (Socket raw = new Socket()) {
            try {
                raw.connect(socketAddress(address), CONNECT_TIMEOUT_MS);
            } catch (IOException e) {
                throw noCluster(address, e);
            }
            raw.setSoTimeout(HANDSHAKE_TIMEOUT_MS);
            try (SSLSocket s = (SSLSocket) ctx.getSocketFactory().createSocket(raw, host(address), port(address), false)) {
                s.setUseClientMode(true);
                s.startHandshake();
                // TLS 1.3: the server checks our certificate after our Finished; a refusal arrives as an alert
                s.setSoTimeout(REJECTION_WAIT_MS);
                try {
                    if (s.getInputStream().read() < 0) {
                        throw new IllegalArgumentException("the node at " + address + " closed the connection after the TLS handshake with "
                                + keystore + ": is it a Gale node of a cluster that uses this cluster secret?");
                    }
                } catch (SocketTimeoutException fine) {
                    // no alert: our certificate was accepted
                }
            }
        } catch (SocketTimeoutException e) {
            throw new IllegalArgumentException("the node at " + address + " did not finish a TLS handshake within "
                    + HANDSHAKE_TIMEOUT_MS / 1000 + " s with " + keystore + ": if the cluster was started without --tls-keystore, "
                    + "leave the option out");
        } catch (IOException e) { // an SSLException, or the connection reset or closed by a node that reads no TLS
            String cause = oneLine(e);
            if (trust.refused != null) {
                throw new IllegalArgumentException("the cluster at " + address + " uses another cluster secret than " + keystore
                        + " (its certificate is not in that keystore): pass the keystore its nodes were started with");
            }
            if (trust.serverCertificate) {
                throw new IllegalArgumentException("the cluster at " + address + " refused " + keystore + " (" + cause
                        + "): pass the keystore its nodes were started with");
            }
            throw new IllegalArgumentException("the node at " + address + " did not answer TLS with " + keystore + " (" + cause
                    + "): if the cluster was started without --tls-keystore, leave the option out");
        }
    }

    /** The message of {@code e} and of its root cause, on one line. */
    private static String oneLine(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) root = root.getCause();
        String m = String.valueOf(e.getMessage());
        if (root != e && root.getMessage() != null && !m.contains(root.getMessage())) m += ": " + root.getMessage();
        return m.replaceAll("\\s+", " ").strip();
    }

    private static InetSocketAddress socketAddress(String address) {
        return new InetSocketAddress(host(address), port(address));
    }

    private static String host(String address) {
        return address.substring(0, address.lastIndexOf(':'));
    }

    private static int port(String address) {
        return Integer.parseInt(address.substring(address.lastIndexOf(':') + 1));
    }

    /** Trusts what {@code inner} trusts, and records that the server showed a certificate and whether it was refused. */
    private static final class Recording implements X509TrustManager {
        private final X509TrustManager inner;
        volatile boolean serverCertificate;
        volatile CertificateException refused;

        Recording(X509TrustManager inner) {
            this.inner = inner;
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
            inner.checkClientTrusted(chain, authType);
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
            serverCertificate = true;
            try {
                inner.checkServerTrusted(chain, authType);
            } catch (CertificateException e) {
                refused = e;
                throw e;
            }
        }

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            return inner.getAcceptedIssuers();
        }
    }
}
