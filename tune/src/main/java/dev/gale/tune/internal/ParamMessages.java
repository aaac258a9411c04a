package dev.gale.tune.internal;

import dev.gale.cluster.ClusterMessage;
import dev.gale.tune.search.Domain;
import dev.gale.tune.search.SearchSpaceException;

import java.util.List;

/** The define-by-run parameter protocol between a running trial and the controller. */
public final class ParamMessages {
    private ParamMessages() {
    }

    /**
     * A domain as it travels (a {@link Domain} may hold a function, this may not).
     *
     * @param kind    uniform, loguniform, quniform, randint (high exclusive), qrandint (high inclusive), choice
     * @param low     lower bound
     * @param high    upper bound
     * @param q       step for quantized kinds
     * @param choices values of a choice
     */
    public record ParamSpec(String kind, double low, double high, double q, List<Object> choices) {
        /** The domain, validated; errors name the parameter. */
        public Domain toDomain(String name) {
            Domain d = switch (kind) {
                case "uniform" -> new Domain.Uniform(low, high);
                case "loguniform" -> new Domain.LogUniform(low, high);
                case "quniform" -> new Domain.QUniform(low, high, q);
                case "randint" -> new Domain.RandInt((long) low, (long) high);
                case "qrandint" -> new Domain.QRandInt((long) low, (long) high, (long) q);
                case "choice" -> new Domain.Choice(choices);
                default -> throw new SearchSpaceException(name, "unknown parameter kind '" + kind + "'");
            };
            d.validate(name);
            return d;
        }
    }

    /** A running trial asks for a parameter; answered with a {@link ParamReply} to {@code inbox}. */
    public record ParamRequest(String trialId, int attempt, String name, ParamSpec spec,
                               org.apache.pekko.actor.typed.ActorRef<Object> inbox)
            implements TrialProtocol.ToController {
    }

    /**
     * A parameter the trial drew itself ({@link dev.gale.tune.search.IndependentDraw}): the
     * controller records it in the trial's config as if it had answered a {@link ParamRequest}.
     * Sent by the trial's thread before anything else it sends after the draw (its results, its end).
     */
    public record ParamDrawn(String trialId, int attempt, String name, Object value) implements TrialProtocol.ToController {
    }

    /** The value of a parameter, or why there is none ({@code error} non-null). */
    public record ParamReply(String name, Object value, String error) implements ClusterMessage {
    }
}
