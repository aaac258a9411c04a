package dev.gale.cluster;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Makes a cluster secret: a PKCS12 keystore with one self-signed RSA key pair (alias
 * {@value #ALIAS}, valid 10 years), which every member of a TLS cluster uses as key store and
 * trust store (see {@link TlsSettings}).
 *
 * <p>Promises: {@link #create} never overwrites a file and never puts the password on a command
 * line (it reaches {@code keytool} through its environment).
 */
public final class ClusterSecret {
    /** The alias of the key pair. */
    public static final String ALIAS = "gale-cluster";

    private ClusterSecret() {
    }

    /**
     * Creates the keystore {@code out} with {@code password}, using the JDK's {@code keytool}
     * ({@code java.home/bin/keytool}).
     *
     * @throws IllegalArgumentException when {@code out} exists or the password is shorter than 6 characters
     * @throws IllegalStateException    when keytool is missing or fails (its output is in the message)
     */
    public static void create(Path out, String password) {
        new TlsSettings(out, password); // validates the password
        if (Files.exists(out)) {
            throw new IllegalArgumentException("cluster secret " + out + " already exists; refusing to overwrite it (delete it first "
                    + "or choose another --out)");
        }
        Path keytool = Path.of(System.getProperty("java.home"), "bin",
                System.getProperty("os.name", "").startsWith("Windows") ? "keytool.exe" : "keytool");
        if (!Files.isExecutable(keytool)) {
            throw new IllegalStateException("keytool not found at " + keytool + ": run with a full JDK or JRE");
        }
        try {
            Path parent = out.toAbsolutePath().getParent();
            if (parent != null) Files.createDirectories(parent);
            ProcessBuilder pb = new ProcessBuilder(List.of(keytool.toString(), "-genkeypair", "-alias", ALIAS,
                    "-keyalg", "RSA", "-keysize", "2048", "-validity", "3650", "-dname", "CN=gale-cluster",
                    "-storetype", "PKCS12", "-keystore", out.toAbsolutePath().toString(),
                    "-storepass:env", "GALE_KEYTOOL_PASSWORD", "-keypass:env", "GALE_KEYTOOL_PASSWORD", "-noprompt"));
            pb.environment().put("GALE_KEYTOOL_PASSWORD", password);
            pb.redirectErrorStream(true);
            pb.redirectInput(ProcessBuilder.Redirect.from(new java.io.File(
                    System.getProperty("os.name", "").startsWith("Windows") ? "NUL" : "/dev/null")));
            Process p = pb.start();
            byte[] output = p.getInputStream().readAllBytes();
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IllegalStateException("keytool did not finish within 60 s");
            }
            if (p.exitValue() != 0) {
                throw new IllegalStateException("keytool failed (exit " + p.exitValue() + "): "
                        + new String(output, StandardCharsets.UTF_8).strip());
            }
        } catch (IOException e) {
            throw new IllegalStateException("cannot create cluster secret " + out + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while creating cluster secret " + out, e);
        }
        // owner-only, where the file system has POSIX permissions (elsewhere, e.g. Windows, as created)
        if (out.getFileSystem().supportedFileAttributeViews().contains("posix")) {
            try {
                Files.setPosixFilePermissions(out, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
            } catch (IOException e) {
                throw new IllegalStateException("created cluster secret " + out + " but cannot make it owner-only ("
                        + e.getMessage() + "): chmod 600 it before sharing it", e);
            }
        }
    }
}
