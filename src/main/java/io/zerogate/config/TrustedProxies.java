package io.zerogate.config;

import io.zerogate.network.CidrSet;

/** Peers whose {@code X-Forwarded-*} / {@code Forwarded} headers are believed. */
public record TrustedProxies(CidrSet cidrs) {}
