package dev.gale.autoscaler;

import dev.gale.autoscaler.internal.LocalNodeProvider;

import java.nio.file.Path;
import java.util.Map;

/** The {@code local} provider (real worker JVMs on this machine) against the provider contract. */
class LocalProviderContractTest extends NodeProviderContract {
    @Override
    ProviderConfig config(Path dir) {
        return new ProviderConfig("local", Map.of("tlsKeystore", dir.resolve("cluster.p12").toString(),
                "tlsPasswordFile", dir.resolve("password.txt").toString()));
    }

    @Override
    NodeProvider open(ProviderContext ctx) {
        return new LocalNodeProvider(ctx);
    }

    @Override
    String startedWith(ProviderInstance i) {
        String[] args = ProcessHandle.of(Long.parseLong(i.providerId())).map(LocalNodeProvider::arguments).orElse(new String[0]);
        return String.join(" ", args);
    }
}
