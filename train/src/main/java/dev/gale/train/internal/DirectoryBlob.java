package dev.gale.train.internal;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/** A directory's regular files packed into bytes (relative path, size, bytes), and unpacked again. */
public final class DirectoryBlob {
    private DirectoryBlob() {
    }

    public static byte[] pack(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) throw new IOException(dir + " is not a directory: a checkpoint is a directory of files");
        List<Path> files;
        try (Stream<Path> s = Files.walk(dir)) {
            files = s.filter(Files::isRegularFile).sorted().toList();
        }
        ByteArrayOutputStream bos = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bos)) {
            out.writeInt(files.size());
            for (Path f : files) {
                out.writeUTF(dir.relativize(f).toString().replace('\\', '/'));
                byte[] b = Files.readAllBytes(f);
                out.writeInt(b.length);
                out.write(b);
            }
        }
        return bos.toByteArray();
    }

    public static void unpack(byte[] blob, Path dir) {
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(blob))) {
            Files.createDirectories(dir);
            int n = in.readInt();
            for (int i = 0; i < n; i++) {
                String rel = in.readUTF();
                Path f = dir.resolve(rel).normalize();
                if (!f.startsWith(dir.normalize())) throw new IOException("checkpoint entry '" + rel + "' leaves its directory");
                byte[] b = new byte[in.readInt()];
                in.readFully(b);
                Files.createDirectories(f.getParent());
                Files.write(f, b);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot unpack a checkpoint into " + dir + ": " + e.getMessage(), e);
        }
    }
}
