package io.zerogate.identity;

import com.amazon.corretto.crypto.provider.AmazonCorrettoCryptoProvider;
import java.security.Provider;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The JCA provider signatures are made and checked with. The Amazon Corretto Crypto Provider verifies ES256
 * several times faster than the JDK's own provider; it is used when its native library loads and passes its
 * self-tests on this machine, and the JDK's providers are used otherwise. It is never installed JVM-wide.
 */
public final class SignatureProviders {

    private static final Logger log = LoggerFactory.getLogger(SignatureProviders.class);
    private static final @Nullable Provider NATIVE = loadNative();

    private SignatureProviders() {}

    /** The native provider, or null when the JDK's default providers are to be used. */
    public static @Nullable Provider preferred() {
        return NATIVE;
    }

    /** A name for logs and metrics: which provider signatures use. */
    public static String describe() {
        return NATIVE == null ? "jdk" : NATIVE.getName() + " " + NATIVE.getVersionStr();
    }

    private static @Nullable Provider loadNative() {
        if (Boolean.getBoolean("zerogate.crypto.jdk-only")) {
            return null;
        }
        try {
            AmazonCorrettoCryptoProvider p = AmazonCorrettoCryptoProvider.INSTANCE;
            Throwable error = p.getLoadingError();
            if (error != null) {
                log.info("native crypto provider unavailable ({}); using the JDK's providers", error.toString());
                return null;
            }
            p.assertHealthy();
            return p;
        } catch (LinkageError | RuntimeException e) {
            log.info("native crypto provider unavailable ({}); using the JDK's providers", e.toString());
            return null;
        }
    }
}
