package io.zerogate.config;

import java.time.Duration;

/**
 * Gateway-wide timeouts.
 *
 * @param requestHeader time a client has to send a whole request head (408 beyond it)
 * @param idle          time a keep-alive connection may sit without a request, or a stream without bytes
 * @param stage         time one chain stage may take before it counts as a denial
 * @param shutdownGrace time in-flight requests get to finish after SIGTERM
 */
public record Timeouts(Duration requestHeader, Duration idle, Duration stage, Duration shutdownGrace) {}
