package dev.gale.cluster;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.util.Map;

/**
 * TLS between cluster members with a cluster secret: a PKCS12 keystore holding one key pair (made
 * by {@link ClusterSecret#create}) that every member uses as its key store and as its trust store.
 * Members authenticate each other (mutual TLS), so only holders of the same keystore and password
 * can join or talk to the cluster.
 *
 * <p>Promises: the keystore path is absolute and the password is at least 6 characters;
 * {@link #toString()} never shows the password. {@link #check()} opens the keystore so a wrong
 * path or password fails before a node starts.
 *
 * @param keyStore the PKCS12 file
 * @param password its password (also the key's password)
 */
public record TlsSettings(Path keyStore, String password) {
    /** The environment variable holding the cluster secret's password. */
    public static final String PASSWORD_ENV = "GALE_CLUSTER_SECRET";

    public TlsSettings {
        if (keyStore == null) throw new IllegalArgumentException("keyStore: the cluster secret file is required (make one with `gale cluster secret --out FILE`)");
        keyStore = keyStore.toAbsolutePath().normalize();
        if (password == null || password.length() < 6) {
            throw new IllegalArgumentException("password of the cluster secret: at least 6 characters are required (set "
                    + PASSWORD_ENV + " or use a password file)");
        }
    }

    /**
     * Settings for {@code keyStore} with the password read from {@code passwordFile} (its first line)
     * or, when that is null, from the environment variable {@value #PASSWORD_ENV} of {@code env}.
     *
     * @throws IllegalArgumentException when no password is given or the file cannot be read
     */
    public static TlsSettings of(Path keyStore, Path passwordFile, Map<String, String> env) {
        String pw;
        if (passwordFile != null) {
            try {
                String text = Files.readString(passwordFile, StandardCharsets.UTF_8);
                int nl = text.indexOf('\n');
                pw = (nl >= 0 ? text.substring(0, nl) : text).strip();
            } catch (IOException e) {
                throw new IllegalArgumentException("password file " + passwordFile + ": cannot be read: " + e.getMessage(), e);
            }
        } else {
            pw = env.get(PASSWORD_ENV);
            if (pw == null || pw.isEmpty()) {
                throw new IllegalArgumentException("no password for the cluster secret " + keyStore + ": set the environment variable "
                        + PASSWORD_ENV + " or pass a password file (--tls-password-file)");
            }
        }
        return new TlsSettings(keyStore, pw);
    }

    /**
     * Opens the keystore with the password and checks that it holds a key.
     *
     * @throws IllegalArgumentException naming the file and what is wrong
     */
    public void check() {
        if (!Files.isRegularFile(keyStore)) {
            throw new IllegalArgumentException("cluster secret " + keyStore + ": no such file (make one with `gale cluster secret --out "
                    + keyStore + "`)");
        }
        try (InputStream in = Files.newInputStream(keyStore)) {
            KeyStore ks = KeyStore.getInstance("PKCS12");
            ks.load(in, password.toCharArray());
            boolean hasKey = false;
            for (var aliases = ks.aliases(); aliases.hasMoreElements(); ) {
                if (ks.isKeyEntry(aliases.nextElement())) hasKey = true;
            }
            if (!hasKey) throw new IllegalArgumentException("cluster secret " + keyStore + ": holds no key pair; make one with `gale cluster secret`");
        } catch (IOException e) {
            throw new IllegalArgumentException("cluster secret " + keyStore + ": cannot be opened (wrong password, or not a PKCS12 keystore): "
                    + e.getMessage(), e);
        } catch (GeneralSecurityException e) {
            throw new IllegalArgumentException("cluster secret " + keyStore + ": " + e.getMessage(), e);
        }
    }

    @Override
    public String toString() {
        return "TlsSettings[keyStore=" + keyStore + ", password=***]";
    }
}
