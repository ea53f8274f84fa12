package io.zerogate.config;

/**
 * Bounds on what a client may send before the gateway refuses it.
 *
 * @param maxRequestLineBytes longest request line (414 beyond it)
 * @param maxHeaderBytes      largest header section (431 beyond it)
 * @param maxHeaderCount      most header fields in one request (431 beyond it)
 */
public record ServerLimits(int maxRequestLineBytes, int maxHeaderBytes, int maxHeaderCount) {}
