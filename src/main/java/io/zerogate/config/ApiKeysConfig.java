package io.zerogate.config;

import java.nio.file.Path;
import java.util.Objects;

/**
 * API keys for callers that cannot use OAuth.
 *
 * @param file    the key file (hashes only); reloaded when it changes
 * @param hashKey the secret the key hashes are keyed with; without it a stolen key file is useless
 * @param header  the request header that carries a key
 */
public record ApiKeysConfig(Path file, Secret hashKey, String header) {

    public ApiKeysConfig {
        Objects.requireNonNull(file, "file");
        Objects.requireNonNull(hashKey, "hashKey");
        Objects.requireNonNull(header, "header");
    }
}
