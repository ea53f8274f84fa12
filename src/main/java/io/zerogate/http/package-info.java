/**
 * HTTP syntax shared by the router, the listeners and the upstream connections: request-target normalisation,
 * percent-encoding, the RFC 3986 character classes and the byte classes of HTTP/1.1 heads. Pure functions over
 * strings and bytes; no I/O and no Netty.
 */
package io.zerogate.http;
