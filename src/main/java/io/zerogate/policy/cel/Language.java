package io.zerogate.policy.cel;

import dev.cel.common.CelFunctionDecl;
import dev.cel.common.CelOptions;
import dev.cel.common.CelOverloadDecl;
import dev.cel.common.types.CelType;
import dev.cel.common.types.CelTypeProvider;
import dev.cel.common.types.SimpleType;
import dev.cel.compiler.CelCompiler;
import dev.cel.compiler.CelCompilerFactory;
import dev.cel.parser.CelStandardMacro;
import dev.cel.runtime.CelFunctionBinding;
import dev.cel.runtime.CelRuntime;
import dev.cel.runtime.CelRuntimeFactory;
import com.google.common.collect.ImmutableCollection;
import com.google.common.collect.ImmutableList;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * The expression language of the gateway: CEL with its standard macros and functions, the exchange's variables,
 * the gateway's own functions, and the limits that keep any expression bounded. One compiler and one runtime,
 * both thread-safe, serve every expression.
 */
final class Language {

    /** The longest source accepted, in characters. */
    static final int MAX_SOURCE_LENGTH = 4_096;

    /**
     * The most iterations the comprehensions of one evaluation may make in all (CEL counts them across nested
     * comprehensions). Every other part of an expression is evaluated at most once per iteration, so this bounds
     * the work of any evaluation by the size of the expression.
     */
    static final int MAX_ITERATIONS = 1_000;

    static final String CIDR = "cidr";
    static final String GLOB = "glob";
    static final String IP_PREFIX = "ip_prefix";
    static final String TIME_OF_DAY = "time_of_day";
    static final String TIME_BETWEEN = "time_between";

    private static final CelOptions OPTIONS = CelOptions.current()
            .maxExpressionCodePointSize(MAX_SOURCE_LENGTH)
            .comprehensionMaxIterations(MAX_ITERATIONS)
            .evaluateCanonicalTypesToNativeValues(true)
            .build();

    static final CelCompiler COMPILER = compiler();
    static final CelRuntime RUNTIME = runtime();

    private Language() {}

    private static CelCompiler compiler() {
        var builder = CelCompilerFactory.standardCelCompilerBuilder()
                .setOptions(OPTIONS)
                .setStandardMacros(CelStandardMacro.STANDARD_MACROS)
                .setTypeProvider(new ObjectTypes(ExchangeVariables.OBJECT_TYPES))
                .addFunctionDeclarations(
                        CelFunctionDecl.newFunctionDeclaration(CIDR, CelOverloadDecl.newGlobalOverload(
                                "cidr_string_string", SimpleType.BOOL, SimpleType.STRING, SimpleType.STRING)),
                        CelFunctionDecl.newFunctionDeclaration(GLOB, CelOverloadDecl.newGlobalOverload(
                                "glob_string_string", SimpleType.BOOL, SimpleType.STRING, SimpleType.STRING)),
                        CelFunctionDecl.newFunctionDeclaration(IP_PREFIX, CelOverloadDecl.newGlobalOverload(
                                "ip_prefix_string_int_int", SimpleType.STRING, SimpleType.STRING, SimpleType.INT,
                                SimpleType.INT)),
                        CelFunctionDecl.newFunctionDeclaration(TIME_OF_DAY, CelOverloadDecl.newGlobalOverload(
                                "time_of_day_timestamp_string", SimpleType.STRING, SimpleType.TIMESTAMP,
                                SimpleType.STRING)),
                        CelFunctionDecl.newFunctionDeclaration(TIME_BETWEEN, CelOverloadDecl.newGlobalOverload(
                                "time_between_timestamp_string_string_string", SimpleType.BOOL, SimpleType.TIMESTAMP,
                                SimpleType.STRING, SimpleType.STRING, SimpleType.STRING)));
        ExchangeVariables.DECLARATIONS.forEach(builder::addVar);
        return builder.build();
    }

    private static CelRuntime runtime() {
        return CelRuntimeFactory.standardCelRuntimeBuilder()
                .setOptions(OPTIONS)
                .addFunctionBindings(
                        CelFunctionBinding.from("cidr_string_string", String.class, String.class,
                                NetworkFunctions::cidr),
                        CelFunctionBinding.from("glob_string_string", String.class, String.class, Glob::matches),
                        CelFunctionBinding.from("ip_prefix_string_int_int", List.of(String.class, Long.class, Long.class),
                                args -> NetworkFunctions.ipPrefix((String) args[0], (Long) args[1], (Long) args[2])),
                        CelFunctionBinding.from("time_of_day_timestamp_string", Instant.class, String.class,
                                TimeFunctions::timeOfDay),
                        CelFunctionBinding.from("time_between_timestamp_string_string_string",
                                List.of(Instant.class, String.class, String.class, String.class),
                                args -> TimeFunctions.between((Instant) args[0], (String) args[1], (String) args[2],
                                        (String) args[3])))
                .build();
    }

    /** The object types, for the type checker. */
    private record ObjectTypes(List<ObjectType> declared) implements CelTypeProvider {

        @Override
        public ImmutableCollection<CelType> types() {
            return declared.stream().map(t -> (CelType) t.celType()).collect(ImmutableList.toImmutableList());
        }

        @Override
        public Optional<CelType> findType(String name) {
            return declared.stream().filter(t -> t.celType().name().equals(name)).findFirst().map(t -> t.celType());
        }
    }
}
