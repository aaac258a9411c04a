package dev.gale.autoscaler;

/** A provider could not ask its infrastructure (list, terminate); the caller tries again later. */
public final class ProviderException extends RuntimeException {
    public ProviderException(String message) {
        super(message);
    }

    public ProviderException(String message, Throwable cause) {
        super(message, cause);
    }
}
