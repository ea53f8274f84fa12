package io.zerogate.server;

import io.zerogate.chain.ReasonCode;

/** A request whose bytes the gateway refuses to interpret; the connection closes after the answer. */
final class MalformedRequestException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final ReasonCode reason;

    MalformedRequestException(ReasonCode reason, String detail) {
        super(detail, null, false, false);
        this.reason = reason;
    }

    ReasonCode reason() {
        return reason;
    }
}
