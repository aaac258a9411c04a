package dev.gale.train;

/**
 * A collective could not complete on this rank: a peer died, closed its connection, sent what the
 * protocol did not expect, or made no progress within the collective timeout. The group's data
 * plane is closed after it; every later collective throws at once.
 */
public final class CollectiveException extends RuntimeException {
    private final boolean causedByPeer;

    /**
     * @param causedByPeer true when this rank only saw the failure of another (a closed or silent
     *                     peer), false when this rank itself misused the collective
     */
    public CollectiveException(String message, boolean causedByPeer, Throwable cause) {
        super(message, cause);
        this.causedByPeer = causedByPeer;
    }

    /** True when this rank saw another rank's failure rather than failing itself. */
    public boolean causedByPeer() {
        return causedByPeer;
    }
}
