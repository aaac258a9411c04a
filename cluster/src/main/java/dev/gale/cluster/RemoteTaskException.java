package dev.gale.cluster;

/**
 * Why a remote task's future failed: the task threw on its node (the message and
 * {@link #remoteStackTrace()} are the remote exception's), it could not be started there, or its
 * node was lost more often than the client retries.
 */
public final class RemoteTaskException extends RuntimeException {
    private final String remoteStackTrace;

    /** A failure with the remote side's stack trace (may be empty). */
    public RemoteTaskException(String message, String remoteStackTrace) {
        super(message);
        this.remoteStackTrace = remoteStackTrace == null ? "" : remoteStackTrace;
    }

    /** The stack trace of the exception on the remote node, as text; empty when there was none. */
    public String remoteStackTrace() {
        return remoteStackTrace;
    }
}
