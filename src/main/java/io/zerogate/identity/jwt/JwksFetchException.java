package io.zerogate.identity.jwt;

/**
 * Why a discovery document or a key set could not be used. The message names the cause for logs and lookup
 * details; it never carries key material.
 */
final class JwksFetchException extends Exception {

    JwksFetchException(String message) {
        super(message);
    }
}
