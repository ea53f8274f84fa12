package io.zerogate.cli;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code zerogate dev-issuer}: a development token issuer in the foreground, until SIGTERM or Ctrl-C. */
@Command(name = "dev-issuer", mixinStandardHelpOptions = true,
        description = {
            "Run a development OpenID token issuer on loopback, to try the gateway's token checks and to benchmark them.",
            "",
            "FOR DEVELOPMENT ONLY. It mints a token for any subject, audience and scope it is asked for, checks no "
                    + "credentials, and its RSA key lives in memory and changes on every start. It listens on "
                    + "loopback only. Never point a production gateway at it.",
            "",
            "Endpoints: /.well-known/openid-configuration (discovery), /jwks (keys), and POST /token with form "
                    + "fields sub, aud (required), scope (space separated), amr (comma separated), acr, claims "
                    + "(a JSON object of further claims), ttl (seconds, 1-3600, default 300). Tokens are RS256 with typ at+jwt."
        },
        footer = {"", "Example:", "  zerogate dev-issuer --listen 127.0.0.1:9400",
                "  curl -s http://127.0.0.1:9400/token -d sub=alice -d aud=orders-api \\",
                "       -d scope=orders:read -d amr=pwd,otp -d ttl=600"})
final class DevIssuerCommand implements Callable<Integer> {

    @Option(names = "--listen", paramLabel = "HOST:PORT", defaultValue = "127.0.0.1:0",
            converter = LoopbackAddress.class,
            description = "loopback address to listen on (default: ${DEFAULT-VALUE}; port 0 picks a free port)")
    InetSocketAddress listen;

    @Override
    public Integer call() throws InterruptedException {
        DevIssuer issuer;
        try {
            issuer = DevIssuer.start(listen);
        } catch (IOException e) {
            System.err.println("zerogate dev-issuer: cannot listen on " + listen.getAddress().getHostAddress() + ":"
                    + listen.getPort() + ": " + e.getMessage());
            return 1;
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            issuer.close();
            stopped.countDown();
        }, "zerogate-dev-issuer-stop"));
        System.out.print("zerogate dev-issuer: issuer " + issuer.issuer() + "\n"
                + "  discovery  " + issuer.discoveryUri() + "\n"
                + "  keys       " + issuer.jwksUri() + "\n"
                + "  tokens     curl -s " + issuer.tokenUri() + " -d sub=alice -d aud=orders-api -d scope=orders:read\n"
                + "For development only: anyone who can connect to it gets any token they ask for. Ctrl-C stops it.\n");
        System.out.flush();
        stopped.await();
        return 0;
    }

    /** {@code HOST:PORT} or {@code [IPv6]:PORT}, where HOST is a loopback address or {@code localhost}. */
    static final class LoopbackAddress implements CommandLine.ITypeConverter<InetSocketAddress> {

        @Override
        public InetSocketAddress convert(String value) {
            int colon = value.lastIndexOf(':');
            if (colon <= 0 || colon == value.length() - 1) {
                throw new CommandLine.TypeConversionException("'" + value + "' (expected: HOST:PORT such as 127.0.0.1:9400)");
            }
            String host = value.substring(0, colon);
            if (host.startsWith("[") && host.endsWith("]")) {
                host = host.substring(1, host.length() - 1);
            } else if (host.contains(":")) {
                throw new CommandLine.TypeConversionException("'" + value + "' (expected: an IPv6 address in brackets, such as [::1]:9400)");
            }
            int port;
            try {
                port = Integer.parseInt(value.substring(colon + 1));
            } catch (NumberFormatException e) {
                port = -1;
            }
            if (port < 0 || port > 65535) {
                throw new CommandLine.TypeConversionException("'" + value + "' (expected: a port from 0 to 65535)");
            }
            // Only literals and localhost, so that nothing is looked up in DNS and no name can resolve elsewhere.
            boolean literal = host.matches("[0-9]{1,3}(\\.[0-9]{1,3}){3}") || host.matches("[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*");
            if (!literal && !host.equalsIgnoreCase("localhost")) {
                throw new CommandLine.TypeConversionException("'" + value + "' (expected: an IP address or localhost)");
            }
            InetAddress address;
            try {
                address = literal ? InetAddress.getByName(host) : InetAddress.getLoopbackAddress();
            } catch (UnknownHostException e) {
                throw new CommandLine.TypeConversionException("'" + value + "' (expected: an IP address or localhost)");
            }
            if (!address.isLoopbackAddress()) {
                throw new CommandLine.TypeConversionException("'" + value + "' (expected: a loopback address such as "
                        + "127.0.0.1: the development issuer hands out tokens to anyone who asks)");
            }
            return new InetSocketAddress(address, port);
        }
    }
}
