package io.zerogate.state;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.local.LocalIoHandler;
import io.zerogate.server.Transport;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * An event loop that charges opens a Redis connection of its own, on itself, and its charges then travel on it; a
 * broken one is reconnected on the same loop; closing the store closes them; a loop that cannot carry the client's
 * channel keeps to the shared connection. Against a real Redis.
 */
@Timeout(60)
class RedisLoopConnectionTest {

    private static final long HOUR = 3_600_000_000L;

    @RegisterExtension
    static final RedisServer.PerClass server = new RedisServer.PerClass();
    private EventLoopGroup group;
    private EventLoop loop;
    private RedisStateStore store;
    private String prefix;
    /** The ids of the clients connected before the store was opened: the test's own. */
    private Set<Long> before;

    @BeforeEach
    void open() {
        before = clients().stream().map(Client::id).collect(Collectors.toSet());
        prefix = "lc-" + UUID.randomUUID() + ":";
    }

    @AfterEach
    void close() throws Exception {
        if (store != null) {
            store.close();
        }
        if (group != null) {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).await(5, TimeUnit.SECONDS);
        }
    }

    private void start(Transport transport) {
        start(transport.ioHandlerFactory());
    }

    private void start(IoHandlerFactory handlers) {
        group = new MultiThreadIoEventLoopGroup(1, handlers);
        loop = group.next();
        store = RedisStateStore.connect(server.uri(), Duration.ofMillis(500));
    }

    /** One client in Redis' CLIENT LIST. */
    private record Client(long id, String command) {}

    /** The clients the store has open, oldest first. */
    private List<Client> storeClients() {
        return clients().stream().filter(client -> !before.contains(client.id())).toList();
    }

    private static List<Client> clients() {
        return server.inspect().clientList().lines()
                .map(line -> Arrays.stream(line.split(" "))
                        .map(field -> field.split("=", 2))
                        .filter(pair -> pair.length == 2)
                        .collect(Collectors.toMap(pair -> pair[0], pair -> pair[1])))
                .filter(fields -> !fields.get("cmd").startsWith("client|list"))
                .map(fields -> new Client(Long.parseLong(fields.get("id")), fields.get("cmd")))
                .sorted((a, b) -> Long.compare(a.id(), b.id()))
                .toList();
    }

    /** Charges one request on the loop; answers the remaining count and checks that the answer came on the loop. */
    private long charge(String key) throws Exception {
        AtomicReference<Thread> answeredOn = new AtomicReference<>();
        ChargeVerdict verdict = loop.submit(() -> store.charge(List.of(new Charge(prefix + key, new Meter.Gcra(1000, HOUR, 1000), 1,
                                true)), "lease", loop)
                        .whenComplete((v, failure) -> answeredOn.set(Thread.currentThread())))
                .get(5, TimeUnit.SECONDS).toCompletableFuture().get(5, TimeUnit.SECONDS);
        assertThat(answeredOn.get()).isSameAs(threadOf(loop));
        assertThat(verdict.allowed()).isTrue();
        return verdict.results().get(0).remaining();
    }

    private static Thread threadOf(EventLoop loop) throws Exception {
        return loop.submit(Thread::currentThread).get(5, TimeUnit.SECONDS);
    }

    private static void await(String what, Predicate<Void> condition) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!condition.test(null)) {
            assertThat(System.nanoTime()).as(what).isLessThan(deadline);
            Thread.sleep(20);
        }
    }

    @Test
    void chargesOfAnEventLoopTravelOnAConnectionOfItsOwn() throws Exception {
        start(Transport.best());
        assertThat(storeClients()).as("the shared connection").hasSize(1);

        // The first charge opens the loop's connection, and meanwhile takes the shared one.
        assertThat(charge("a")).isEqualTo(999);
        await("the loop's own connection", v -> storeClients().size() == 2);
        Client own = storeClients().get(1);
        assertThat(own.command()).isNotEqualTo("evalsha");

        assertThat(charge("a")).isEqualTo(998);
        assertThat(charge("a")).isEqualTo(997);
        List<Client> after = storeClients();
        assertThat(after).extracting(Client::id).containsExactly(after.get(0).id(), own.id());
        assertThat(after.get(1).command()).isEqualTo("evalsha");
    }

    @Test
    void aBrokenLoopConnectionIsReconnectedOnItsLoop() throws Exception {
        start(Transport.best());
        charge("b");
        await("the loop's own connection in use", v -> {
            try {
                charge("b");
            } catch (Exception e) {
                throw new AssertionError(e);
            }
            return storeClients().size() == 2 && storeClients().get(1).command().equals("evalsha");
        });
        long own = storeClients().get(1).id();

        server.inspect().clientKill(io.lettuce.core.KillArgs.Builder.id(own));
        await("a new connection in place of the killed one", v -> storeClients().size() == 2
                && storeClients().get(1).id() != own);
        long replacement = storeClients().get(1).id();
        // Charges made while it reconnected may have been refused; once it is back they count on it, in order.
        await("a charge answered again", v -> {
            try {
                charge("b2");
                return true;
            } catch (Exception | AssertionError refused) {
                return false;
            }
        });
        long remaining = charge("b2");
        assertThat(charge("b2")).isEqualTo(remaining - 1);
        assertThat(storeClients()).extracting(Client::id).contains(replacement);
        assertThat(storeClients().get(storeClients().size() - 1).command()).isEqualTo("evalsha");
    }

    @Test
    void closingTheStoreClosesTheLoopsConnectionsWhileTheLoopRuns() throws Exception {
        start(Transport.best());
        charge("c");
        await("the loop's own connection", v -> storeClients().size() == 2);

        long started = System.nanoTime();
        store.close();
        store = null;
        assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(3));
        await("every connection of the store closed", v -> storeClients().isEmpty());
        // The loop is the gateway's: it still runs.
        assertThat(loop.submit(() -> "still running").get(5, TimeUnit.SECONDS)).isEqualTo("still running");
        assertThat(loop.isShuttingDown()).isFalse();
    }

    @Test
    void aLoopThatCannotCarryTheClientsChannelKeepsToTheSharedConnection() throws Exception {
        // A loop that runs only in-process channels: neither an epoll nor a NIO socket channel can join it.
        start(LocalIoHandler.newFactory());
        assertThat(charge("d")).isEqualTo(999);
        // The attempt fails; the charges go on over the shared connection.
        Thread.sleep(300);
        assertThat(charge("d")).isEqualTo(998);
        assertThat(storeClients()).hasSize(1);
        assertThat(storeClients().get(0).command()).isEqualTo("evalsha");
    }
}
