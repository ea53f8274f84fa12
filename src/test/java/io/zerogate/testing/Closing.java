package io.zerogate.testing;

import org.jspecify.annotations.Nullable;

/** Closes what a test class started, in order, skipping what never started and closing the rest if one fails. */
public final class Closing {

    private Closing() {}

    public static void all(@Nullable AutoCloseable... resources) throws Exception {
        Exception first = null;
        for (AutoCloseable r : resources) {
            if (r == null) {
                continue;
            }
            try {
                r.close();
            } catch (Exception e) {
                if (first == null) {
                    first = e;
                } else {
                    first.addSuppressed(e);
                }
            }
        }
        if (first != null) {
            throw first;
        }
    }
}
