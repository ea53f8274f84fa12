package io.zerogate.policy.cel;

import com.google.common.primitives.UnsignedLong;
import dev.cel.common.CelAbstractSyntaxTree;
import dev.cel.common.CelIssue;
import dev.cel.common.CelValidationException;
import dev.cel.common.types.CelType;
import dev.cel.common.types.CelTypes;
import dev.cel.common.types.SimpleType;
import dev.cel.runtime.CelEvaluationException;
import dev.cel.runtime.CelRuntime;
import io.zerogate.chain.Exchange;
import java.time.Clock;
import java.util.Objects;
import java.util.Set;

/**
 * A compiled, type-checked CEL expression over an exchange: a condition (policy rules, limit conditions) or a key
 * (what a limit counts by). Immutable and safe to share between threads.
 *
 * <p>An expression sees {@code subject} (id, kind, issuer, scopes, roles, claims, mfa, acr, auth_time,
 * authenticated, binding), {@code device} (present, id, managed, compliant, disk_encrypted, os, os_version,
 * patch_level, edr_running, checked_at), {@code network} (ip, peer_ip, networks), {@code request} (method, path,
 * host, headers, query), {@code client} (ip, peer_ip), {@code route} (id, service), {@code service} (name),
 * {@code params} (path parameters) and {@code now}, and the functions {@code cidr(ip, block)},
 * {@code glob(text, pattern)}, {@code ip_prefix(ip, v4bits, v6bits)}, {@code time_of_day(ts, zone)} and
 * {@code time_between(ts, from, to, zone)} besides CEL's own. Misspelt names, fields
 * and wrong types fail at compile time. Sources are at most 4,096 characters, and the comprehensions of one evaluation
 * ({@code all}, {@code exists}, {@code map} …) may make 1,000 iterations in all, so no expression runs unbounded. An evaluation
 * that fails (a missing map key, a value of the wrong type, an exhausted budget) throws, and callers deny.
 */
public final class Expression {

    private static final Set<CelType> KEY_TYPES = Set.of(SimpleType.STRING, SimpleType.INT, SimpleType.UINT);

    private final String source;
    private final CelRuntime.Program program;
    private final Clock clock;

    private Expression(String source, CelRuntime.Program program, Clock clock) {
        this.source = source;
        this.program = program;
        this.clock = clock;
    }

    /** Compiles a condition, which must be a bool; {@code now} is the system clock's. */
    public static Expression condition(String source) throws ExpressionException {
        return condition(source, Clock.systemUTC());
    }

    /** Compiles a condition, which must be a bool; {@code now} is read from {@code clock}. */
    public static Expression condition(String source, Clock clock) throws ExpressionException {
        return compile(source, clock, false);
    }

    /** Compiles a key, which must be a string, an int or a uint; {@code now} is the system clock's. */
    public static Expression key(String source) throws ExpressionException {
        return key(source, Clock.systemUTC());
    }

    /** Compiles a key, which must be a string, an int or a uint; {@code now} is read from {@code clock}. */
    public static Expression key(String source, Clock clock) throws ExpressionException {
        return compile(source, clock, true);
    }

    /** The expression as written. */
    public String source() {
        return source;
    }

    /** Evaluates a condition. */
    public boolean test(Exchange exchange) throws ExpressionException {
        Object value = evaluate(exchange);
        if (value instanceof Boolean b) {
            return b;
        }
        throw new ExpressionException("expected a bool result (a condition), got " + kindOf(value), 0);
    }

    /** Evaluates a key: its string, or its number in decimal. */
    public String text(Exchange exchange) throws ExpressionException {
        return switch (evaluate(exchange)) {
            case String s -> s;
            case Long l -> Long.toString(l);
            case UnsignedLong u -> u.toString();
            case Object other -> throw new ExpressionException(
                    "expected a string, int or uint result (a key), got " + kindOf(other), 0);
        };
    }

    @Override
    public String toString() {
        return source;
    }

    private Object evaluate(Exchange exchange) throws ExpressionException {
        ExchangeVariables variables = ExchangeVariables.of(Objects.requireNonNull(exchange, "exchange"));
        try {
            return program.eval(variables.resolver(clock));
        } catch (CelEvaluationException e) {
            Throwable cause = e.getCause();
            String detail = cause == null || cause.getMessage() == null || e.getMessage().contains(cause.getMessage())
                    ? "" : " (" + cause.getMessage() + ")";
            throw new ExpressionException("'" + source + "' failed: " + e.getMessage() + detail, e);
        } catch (RuntimeException e) {
            // The runtime is not expected to throw anything else; if it does, the caller still denies.
            throw new ExpressionException("'" + source + "' failed: " + e, e);
        }
    }

    private static Expression compile(String source, Clock clock, boolean key) throws ExpressionException {
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(clock, "clock");
        if (source.length() > Language.MAX_SOURCE_LENGTH) {
            throw new ExpressionException("expression: " + source.length() + " characters (expected: at most "
                    + Language.MAX_SOURCE_LENGTH + ")", 0);
        }
        CelAbstractSyntaxTree ast;
        try {
            ast = Language.COMPILER.compile(source).getAst();
        } catch (CelValidationException e) {
            throw problem(e);
        }
        CelType type = ast.getResultType();
        if (key ? !KEY_TYPES.contains(type) : !type.equals(SimpleType.BOOL)) {
            throw new ExpressionException((key ? "a key must be a string, int or uint" : "a condition must be a bool")
                    + ", but this expression is a " + CelTypes.format(type)
                    + (type.equals(SimpleType.DYN) ? " (convert it, as in string(x), or compare it, as in x == true)" : ""),
                    1);
        }
        SourceRules.check(ast);
        try {
            return new Expression(source, Language.RUNTIME.createProgram(ast), clock);
        } catch (CelEvaluationException e) {
            throw new ExpressionException("expression cannot be planned: " + e.getMessage(), 0);
        }
    }

    private static ExpressionException problem(CelValidationException e) {
        if (e.getErrors().isEmpty()) {
            return new ExpressionException(e.getMessage(), 0);
        }
        CelIssue first = e.getErrors().get(0);
        int line = first.getSourceLocation().getLine();
        int column = SourceRules.column(first.getSourceLocation());
        String where = line > 1 ? "line " + line + ", column " + column : "column " + column;
        String more = e.getErrors().size() > 1 ? " (and " + (e.getErrors().size() - 1) + " more problems)" : "";
        return new ExpressionException(where + ": " + first.getMessage().replace(" (in container '')", "") + more,
                column);
    }

    private static String kindOf(Object value) {
        return value.getClass().getSimpleName();
    }
}
