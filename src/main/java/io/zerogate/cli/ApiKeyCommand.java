package io.zerogate.cli;

import io.zerogate.config.ApiKeysConfig;
import io.zerogate.config.ConfigException;
import io.zerogate.config.ConfigLoader;
import io.zerogate.config.Secret;
import io.zerogate.identity.apikey.ApiKeyEntry;
import io.zerogate.identity.apikey.ApiKeyFile;
import io.zerogate.identity.apikey.ApiKeyFileException;
import io.zerogate.identity.apikey.ApiKeyMint;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code zerogate apikey create|list|revoke}: manage the API key file that gateways read. The file and its hash
 * key come from a configuration's {@code identity.api_keys}, or from {@code --file} and {@code --hash-key-env}.
 */
@Command(name = "apikey", mixinStandardHelpOptions = true,
        description = "Create, list and revoke API keys. The key file keeps only keyed hashes; gateways reload it on change.")
final class ApiKeyCommand implements Runnable {

    private static final Pattern RELATIVE = Pattern.compile("([1-9][0-9]{0,5})([smhd])");

    private final Function<String, @Nullable String> env;
    private final Clock clock;
    private final SecureRandom random;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    ApiKeyCommand() {
        this(System::getenv, Clock.systemUTC(), new SecureRandom());
    }

    ApiKeyCommand(Function<String, @Nullable String> env, Clock clock, SecureRandom random) {
        this.env = Objects.requireNonNull(env, "env");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.random = Objects.requireNonNull(random, "random");
    }

    /** Where the key file is: from a configuration, or given directly. */
    static final class KeyFileOptions {

        @Option(names = {"-c", "--config"}, paramLabel = "FILE",
                description = "the gateway configuration; its identity.api_keys names the key file and hash key")
        @Nullable Path config;

        @Option(names = "--file", paramLabel = "PATH", description = "the key file (instead of --config)")
        @Nullable Path file;

        @Option(names = "--hash-key-env", paramLabel = "VARNAME",
                description = "the environment variable holding the hash key (with --file; needed by create)")
        @Nullable String hashKeyEnv;
    }

    /** The key file, and its hash key when one is known. */
    private record KeyFile(Path path, @Nullable Secret hashKey) {}

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "Missing required subcommand (create, list or revoke)");
    }

    @Command(name = "create", mixinStandardHelpOptions = true,
            description = "Issue a new key. The key is printed once, on standard output, and is not kept anywhere.")
    int create(@Mixin KeyFileOptions options,
               @Option(names = "--owner", required = true, paramLabel = "NAME", description = "who the key is for") String owner,
               @Option(names = "--scope", paramLabel = "SCOPE", description = "a scope requests with the key carry (repeatable)")
               @Nullable List<String> scopes,
               @Option(names = "--expires", paramLabel = "WHEN",
                       description = "a lifetime (30d, 12h, 90m) or an instant (2027-01-01T00:00:00Z, 2027-01-01)")
               @Nullable String expires) {
        CommandLine command = subcommand("create");
        Instant now = clock.instant();
        Instant expiry = expires == null ? null : parseExpiry(command, expires, now);
        if (expiry != null && !expiry.isAfter(now)) {
            throw new CommandLine.ParameterException(command, "--expires " + expires + " is not in the future");
        }
        Set<String> scopeSet = new LinkedHashSet<>(scopes == null ? List.of() : scopes);
        try {
            ApiKeyEntry.checkOwner(owner);
            scopeSet.forEach(ApiKeyEntry::checkScope);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(command, e.getMessage());
        }
        KeyFile keyFile = resolve(command, options, true);
        if (keyFile == null) {
            return 1;
        }
        ApiKeyMint mint;
        try {
            mint = new ApiKeyMint(Objects.requireNonNull(keyFile.hashKey()), random, clock);
        } catch (IllegalArgumentException e) {
            return fail(e.getMessage());
        }
        ApiKeyMint.Issued[] issued = new ApiKeyMint.Issued[1];
        try {
            ApiKeyFile.update(keyFile.path(), entries -> {
                issued[0] = mint.create(owner, scopeSet, expiry, entries.stream().map(ApiKeyEntry::id).toList());
                entries.add(issued[0].entry());
                return entries;
            });
        } catch (ApiKeyFileException | IllegalArgumentException e) {
            return fail(e.getMessage());
        }
        ApiKeyEntry entry = issued[0].entry();
        PrintWriter err = spec.commandLine().getErr();
        err.printf("created API key %s for %s (scopes: %s; expires: %s) in %s%n", entry.id(), entry.owner(),
                scopes(entry), entry.expires() == null ? "never" : entry.expires(), keyFile.path());
        err.println("the key below is shown only this once; hand it to its owner now");
        err.flush();
        PrintWriter out = spec.commandLine().getOut();
        out.println(issued[0].key());
        out.flush();
        return 0;
    }

    @Command(name = "list", mixinStandardHelpOptions = true,
            description = "List the keys: id, owner, scopes, creation, expiry and state. Never prints keys or hashes.")
    int list(@Mixin KeyFileOptions options) {
        KeyFile keyFile = resolve(subcommand("list"), options, false);
        if (keyFile == null) {
            return 1;
        }
        List<ApiKeyEntry> entries;
        try {
            entries = ApiKeyFile.read(keyFile.path());
        } catch (ApiKeyFileException e) {
            return fail(e.getMessage());
        }
        Instant now = clock.instant();
        List<String[]> rows = new ArrayList<>();
        rows.add(new String[] {"ID", "OWNER", "SCOPES", "CREATED", "EXPIRES", "STATE"});
        for (ApiKeyEntry e : entries) {
            rows.add(new String[] {e.id(), e.owner(), scopes(e), e.created().truncatedTo(ChronoUnit.SECONDS).toString(),
                    e.expires() == null ? "never" : e.expires().truncatedTo(ChronoUnit.SECONDS).toString(),
                    e.state(now).name().toLowerCase(Locale.ROOT)});
        }
        PrintWriter out = spec.commandLine().getOut();
        printTable(out, rows);
        out.flush();
        return 0;
    }

    @Command(name = "revoke", mixinStandardHelpOptions = true,
            description = "Disable a key for good. Gateways reading the file refuse it once they notice the change.")
    int revoke(@Mixin KeyFileOptions options, @Parameters(paramLabel = "ID", description = "the key's id") String id) {
        CommandLine command = subcommand("revoke");
        KeyFile keyFile = resolve(command, options, false);
        if (keyFile == null) {
            return 1;
        }
        boolean[] already = new boolean[1];
        String[] owner = new String[1];
        try {
            ApiKeyFile.update(keyFile.path(), entries -> {
                for (int i = 0; i < entries.size(); i++) {
                    ApiKeyEntry e = entries.get(i);
                    if (e.id().equals(id)) {
                        already[0] = e.disabled();
                        owner[0] = e.owner();
                        entries.set(i, e.revoked());
                        return entries;
                    }
                }
                throw new IllegalStateException("no API key with id " + printable(id) + " in " + keyFile.path());
            });
        } catch (ApiKeyFileException | IllegalStateException e) {
            return fail(e.getMessage());
        }
        PrintWriter out = spec.commandLine().getOut();
        out.printf(already[0] ? "API key %s (%s) was already revoked%n" : "revoked API key %s (%s)%n", id, owner[0]);
        out.flush();
        return 0;
    }

    private @Nullable KeyFile resolve(CommandLine command, KeyFileOptions options, boolean needHashKey) {
        if (options.config != null) {
            if (options.file != null || options.hashKeyEnv != null) {
                throw new CommandLine.ParameterException(command, "--config cannot be combined with --file or --hash-key-env");
            }
            ApiKeysConfig section;
            try {
                section = ConfigLoader.load(options.config).identity().apiKeys();
            } catch (ConfigException e) {
                fail(e.getMessage());
                return null;
            }
            if (section == null) {
                fail(options.config + ": no identity.api_keys section, so there is no key file to manage"
                        + " (add one, or use --file PATH --hash-key-env VARNAME)");
                return null;
            }
            return new KeyFile(section.file(), section.hashKey());
        }
        if (options.file == null) {
            throw new CommandLine.ParameterException(command,
                    "Missing the key file: give --config FILE, or --file PATH" + (needHashKey ? " with --hash-key-env VARNAME" : ""));
        }
        if (options.hashKeyEnv == null) {
            if (needHashKey) {
                throw new CommandLine.ParameterException(command, "--file needs --hash-key-env VARNAME to create keys");
            }
            return new KeyFile(options.file, null);
        }
        String value = env.apply(options.hashKeyEnv);
        if (value == null || value.isEmpty()) {
            fail("the environment variable " + options.hashKeyEnv + " (--hash-key-env) is not set");
            return null;
        }
        return new KeyFile(options.file, new Secret(value));
    }

    private static Instant parseExpiry(CommandLine command, String text, Instant now) {
        Matcher m = RELATIVE.matcher(text);
        if (m.matches()) {
            long n = Long.parseLong(m.group(1));
            Duration d = switch (m.group(2)) {
                case "s" -> Duration.ofSeconds(n);
                case "m" -> Duration.ofMinutes(n);
                case "h" -> Duration.ofHours(n);
                default -> Duration.ofDays(n);
            };
            return now.plus(d).truncatedTo(ChronoUnit.SECONDS);
        }
        try {
            return Instant.parse(text);
        } catch (DateTimeParseException notAnInstant) {
            try {
                return LocalDate.parse(text).atStartOfDay(ZoneOffset.UTC).toInstant();
            } catch (DateTimeParseException notADate) {
                throw new CommandLine.ParameterException(command, "--expires " + printable(text)
                        + ": expected a lifetime such as 30d, 12h or 90m, or an instant such as 2027-01-01T00:00:00Z");
            }
        }
    }

    private CommandLine subcommand(String name) {
        return spec.commandLine().getSubcommands().get(name);
    }

    private int fail(String message) {
        PrintWriter err = spec.commandLine().getErr();
        err.println("zerogate apikey: " + message);
        err.flush();
        return 1;
    }

    private static String scopes(ApiKeyEntry e) {
        return e.scopes().isEmpty() ? "-" : String.join(",", new TreeSet<>(e.scopes()));
    }

    private static void printTable(PrintWriter out, List<String[]> rows) {
        int[] widths = new int[rows.get(0).length];
        for (String[] row : rows) {
            for (int i = 0; i < row.length; i++) {
                widths[i] = Math.max(widths[i], row[i].length());
            }
        }
        for (String[] row : rows) {
            StringBuilder line = new StringBuilder();
            for (int i = 0; i < row.length; i++) {
                line.append(row[i]);
                if (i < row.length - 1) {
                    line.append(" ".repeat(widths[i] - row[i].length() + 2));
                }
            }
            out.println(line);
        }
    }

    /** Arguments are echoed only as printable ASCII, so a pasted terminal escape cannot reach the terminal. */
    private static String printable(String s) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < s.length() && i < 100; i++) {
            char c = s.charAt(i);
            b.append(c >= 0x20 && c < 0x7f ? c : '?');
        }
        return b.toString();
    }
}
