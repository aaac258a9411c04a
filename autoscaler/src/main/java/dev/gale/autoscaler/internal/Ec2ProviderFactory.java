package dev.gale.autoscaler.internal;

import dev.gale.autoscaler.NodeProvider;
import dev.gale.autoscaler.NodeProviderFactory;
import dev.gale.autoscaler.ProviderContext;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.ec2.Ec2Client;
import software.amazon.awssdk.services.ec2.Ec2ClientBuilder;

import java.net.URI;

/** Makes the {@code aws-ec2} provider with the SDK's default credentials chain and {@code provider.region}. */
public final class Ec2ProviderFactory implements NodeProviderFactory {
    @Override
    public String type() {
        return "aws-ec2";
    }

    @Override
    public NodeProvider create(ProviderContext context) {
        String region = context.config().setting("region", "");
        if (region.isEmpty()) throw new IllegalArgumentException("provider.region is required for aws-ec2 (e.g. us-east-1)");
        Ec2ClientBuilder b = Ec2Client.builder().region(Region.of(region));
        String endpoint = context.config().setting("endpoint", "");
        if (!endpoint.isEmpty()) b.endpointOverride(URI.create(endpoint));
        return new Ec2NodeProvider(context, b.build(), true);
    }
}
