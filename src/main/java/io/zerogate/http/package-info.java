/**
 * HTTP syntax shared by the router and the listeners: request-target normalisation, percent-encoding and
 * the RFC 3986 character classes. Pure functions over strings; no I/O and no Netty.
 */
package io.zerogate.http;
