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
    public record ParamRequest(String trialId, int attempt, String name, ParamSpec spec, AttemptInbox inbox)
            implements TrialProtocol.ToController {
    }

    /**
     * Parameters the trial drew itself ({@link dev.gale.tune.search.IndependentDraw}), in the order
     * drawn: the controller records them in the trial's config as if it had answered a
     * {@link ParamRequest} for each. Sent ahead of the next message of the attempt after the draws
     * (a result batch, a parameter ask, a checkpoint, its end), so they are recorded before it.
     */
    public record ParamsDrawn(String trialId, int attempt, java.util.Map<String, Object> values)
            implements TrialProtocol.ToController {
    }

    /** The value of a parameter, or why there is none ({@code error} non-null). */
    public record ParamReply(String name, Object value, String error) implements ClusterMessage {
    }
}
