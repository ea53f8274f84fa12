package io.zerogate.policy.cel;

import dev.cel.common.CelAbstractSyntaxTree;
import dev.cel.common.CelSourceLocation;
import dev.cel.common.ast.CelConstant;
import dev.cel.common.ast.CelExpr;
import dev.cel.common.navigation.CelNavigableAst;
import dev.cel.common.navigation.CelNavigableExpr;
import java.util.Iterator;
import org.jspecify.annotations.Nullable;

/**
 * The checks CEL's type checker cannot make, run on a checked expression: literal arguments of the gateway's
 * functions must be valid ({@code cidr(client.ip, "10.0.0.0/33")}, {@code time_between(now, "8:00", "18:00",
 * "Europe/Paris")} and an unknown time zone are refused at compile time), and the header fields
 * and query parameters of a request are read by name only, never listed.
 */
final class SourceRules {

    private SourceRules() {}

    static void check(CelAbstractSyntaxTree ast) throws ExpressionException {
        Iterator<CelNavigableExpr> nodes = CelNavigableAst.fromAst(ast).getRoot().allNodes().iterator();
        while (nodes.hasNext()) {
            CelNavigableExpr node = nodes.next();
            CelExpr expr = node.expr();
            switch (expr.getKind()) {
                case CALL -> checkCall(ast, expr);
                case SELECT -> checkLookupOnly(ast, node);
                default -> { }
            }
        }
    }

    private static void checkCall(CelAbstractSyntaxTree ast, CelExpr call) throws ExpressionException {
        var args = call.call().args();
        switch (call.call().function()) {
            case Language.CIDR -> {
                CelExpr block = args.get(1);
                if (isConstant(block, CelConstant.Kind.STRING_VALUE)) {
                    try {
                        NetworkFunctions.parseBlock(block.constant().stringValue());
                    } catch (IllegalArgumentException e) {
                        throw new ExpressionException("cidr: " + e.getMessage(), column(ast, block.id()));
                    }
                }
            }
            case Language.IP_PREFIX -> {
                for (int i = 1; i <= 2; i++) {
                    CelExpr bits = args.get(i);
                    if (isConstant(bits, CelConstant.Kind.INT64_VALUE)) {
                        long v = bits.constant().int64Value();
                        try {
                            NetworkFunctions.checkBits(i == 1 ? v : 0, i == 2 ? v : 0);
                        } catch (IllegalArgumentException e) {
                            throw new ExpressionException(e.getMessage(), column(ast, bits.id()));
                        }
                    }
                }
            }
            case Language.TIME_OF_DAY -> checkZone(ast, Language.TIME_OF_DAY, args.get(1));
            case Language.TIME_BETWEEN -> {
                Integer start = checkTime(ast, args.get(1));
                Integer end = checkTime(ast, args.get(2));
                if (start != null && end != null) {
                    try {
                        TimeFunctions.checkWindow(start, end, args.get(1).constant().stringValue());
                    } catch (IllegalArgumentException e) {
                        throw new ExpressionException(e.getMessage(), column(ast, args.get(1).id()));
                    }
                }
                checkZone(ast, Language.TIME_BETWEEN, args.get(3));
            }
            default -> { }
        }
    }

    private static void checkZone(CelAbstractSyntaxTree ast, String function, CelExpr zone)
            throws ExpressionException {
        if (isConstant(zone, CelConstant.Kind.STRING_VALUE)) {
            try {
                TimeFunctions.zone(zone.constant().stringValue());
            } catch (IllegalArgumentException e) {
                throw new ExpressionException(function + ": " + e.getMessage(), column(ast, zone.id()));
            }
        }
    }

    /** The minutes of a literal time, or null when the argument is not a literal. */
    private static @Nullable Integer checkTime(CelAbstractSyntaxTree ast, CelExpr time) throws ExpressionException {
        if (!isConstant(time, CelConstant.Kind.STRING_VALUE)) {
            return null;
        }
        try {
            return TimeFunctions.minutes(time.constant().stringValue());
        } catch (IllegalArgumentException e) {
            throw new ExpressionException("time_between: " + e.getMessage(), column(ast, time.id()));
        }
    }

    /** {@code request.headers} and {@code request.query} may only be indexed, tested with {@code in} or selected. */
    private static void checkLookupOnly(CelAbstractSyntaxTree ast, CelNavigableExpr node) throws ExpressionException {
        CelExpr expr = node.expr();
        String field = expr.select().field();
        CelExpr operand = expr.select().operand();
        if (!(field.equals("headers") || field.equals("query")) || operand.getKind() != CelExpr.ExprKind.Kind.IDENT
                || !operand.ident().name().equals("request") || expr.select().testOnly()) {
            return;
        }
        CelExpr parent = node.parent().map(CelNavigableExpr::expr).orElse(null);
        if (parent != null && readsByName(parent, expr)) {
            return;
        }
        String variable = "request." + field;
        throw new ExpressionException(variable + " can only be read by name (expected: " + variable
                + "[\"name\"] or \"name\" in " + variable + ")", column(ast, expr.id()));
    }

    private static boolean readsByName(CelExpr parent, CelExpr child) {
        return switch (parent.getKind()) {
            case SELECT -> true;
            case CALL -> {
                var call = parent.call();
                yield call.target().isEmpty() && call.args().size() == 2
                        && (call.function().equals("_[_]") && call.args().get(0).id() == child.id()
                        || call.function().equals("@in") && call.args().get(1).id() == child.id());
            }
            default -> false;
        };
    }

    private static boolean isConstant(CelExpr expr, CelConstant.Kind kind) {
        return expr.getKind() == CelExpr.ExprKind.Kind.CONSTANT && expr.constant().getKind() == kind;
    }

    /** The 1-based column of an expression in its line, or 0 when its position is unknown. */
    static int column(CelAbstractSyntaxTree ast, long id) {
        Integer offset = ast.getSource().getPositionsMap().get(id);
        if (offset == null) {
            return 0;
        }
        return ast.getSource().getOffsetLocation(offset).map(l -> l.getColumn() + 1).orElse(0);
    }

    static int column(CelSourceLocation location) {
        return location.equals(CelSourceLocation.NONE) ? 0 : location.getColumn() + 1;
    }
}
