package io.zerogate.policy.cel;

/**
 * An expression that cannot be compiled (the message says what is wrong and {@link #column()} where), or one that
 * could not be evaluated for a request (a missing key, a value of the wrong type, an exceeded budget). Callers deny
 * when evaluation fails.
 */
public final class ExpressionException extends Exception {

    private static final long serialVersionUID = 1L;

    private final int column;

    ExpressionException(String message, int column) {
        super(message);
        this.column = column;
    }

    ExpressionException(String message, Throwable cause) {
        super(message, cause);
        this.column = 0;
    }

    /** The 1-based column of the problem in its line of the source, or 0 when it has no single place. */
    public int column() {
        return column;
    }
}
