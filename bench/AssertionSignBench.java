import io.zerogate.config.AssertionConfig;
import io.zerogate.identity.Authentication;
import io.zerogate.identity.SignatureProviders;
import io.zerogate.identity.Subject;
import io.zerogate.identity.TokenBinding;
import io.zerogate.identity.assertion.AssertionSigner;
import java.time.Clock;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Microseconds per identity assertion signature, on one thread and on two at once.
 *
 * <pre>
 * ./zerogate version >/dev/null    # builds target/zerogate.jar if needed
 * java --enable-native-access=ALL-UNNAMED -cp target/zerogate.jar bench/AssertionSignBench.java [SECONDS]
 * java -Dzerogate.crypto.jdk-only=true -cp target/zerogate.jar bench/AssertionSignBench.java [SECONDS]
 * </pre>
 * The first uses the native provider when it loads, the second the JDK's.
 */
public class AssertionSignBench {

    public static void main(String[] args) throws Exception {
        int seconds = args.length > 0 ? Integer.parseInt(args[0]) : 5;
        AssertionSigner signer = AssertionSigner.create(AssertionConfig.DEFAULT, Clock.systemUTC());
        Subject subject = new Subject("alice@example.com", Subject.Kind.USER, "corp", Set.of("orders:read", "orders:write"),
                Set.of(), Map.of(), Authentication.NONE, TokenBinding.NONE);
        System.out.println("provider: " + SignatureProviders.describe() + ", java " + Runtime.version());
        run(signer, subject, 1, 2);                 // warm-up
        double one = run(signer, subject, 1, seconds);
        double two = run(signer, subject, 2, seconds);
        System.out.printf("1 thread:  %.1f us/sign (%.0f signs/s)%n", one, 1e6 / one);
        System.out.printf("2 threads: %.1f us/sign per thread (%.0f signs/s in all)%n", two, 2e6 / two);
    }

    /** Mean microseconds per signature on each of {@code threads} threads signing for {@code seconds}. */
    private static double run(AssertionSigner signer, Subject subject, int threads, int seconds) throws Exception {
        AtomicLong signs = new AtomicLong();
        AtomicLong nanos = new AtomicLong();
        CountDownLatch done = new CountDownLatch(threads);
        long end = System.nanoTime() + seconds * 1_000_000_000L;
        for (int t = 0; t < threads; t++) {
            Thread.ofPlatform().start(() -> {
                long n = 0, start = System.nanoTime(), sink = 0;
                while (System.nanoTime() < end) {
                    sink += signer.sign(subject, "orders", "req-" + n, null).length();
                    n++;
                }
                nanos.addAndGet(System.nanoTime() - start);
                signs.addAndGet(n + (sink == 42 ? 1 : 0));
                done.countDown();
            });
        }
        done.await();
        return nanos.get() / 1000.0 / signs.get();
    }
}
