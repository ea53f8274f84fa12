package io.zerogate;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.base.DescribedPredicate;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import io.zerogate.identity.ExpectedSpiffeId;
import io.zerogate.identity.SpiffeId;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The walls of DESIGN.md section 5: the chain and its stages know no sockets; the data plane knows no policy. */
class ArchitectureTest {

    private static JavaClasses classes;

    @BeforeAll
    static void importClasses() {
        classes = new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .importPackages("io.zerogate");
    }

    @Test
    void chainAndStagesNeverTouchNettyOrTheServer() {
        noClasses().that().resideInAnyPackage("io.zerogate.chain..", "io.zerogate.network..", "io.zerogate.identity..",
                        "io.zerogate.posture..", "io.zerogate.policy..", "io.zerogate.limits..", "io.zerogate.inspect..")
                .should().dependOnClassesThat().resideInAnyPackage("io.netty..", "io.zerogate.server..", "io.zerogate.upstream..")
                .check(classes);
    }

    @Test
    void dataPlaneKnowsNothingOfPolicy() {
        // One opening: upstream TLS verifies an upstream's workload identity, so the upstream package may use
        // the SPIFFE ID value and its certificate check, and nothing else of the identity stages.
        noClasses().that().resideInAnyPackage("io.zerogate.server..", "io.zerogate.upstream..")
                .should().dependOnClassesThat(JavaClass.Predicates.resideInAnyPackage("io.zerogate.policy..",
                                "io.zerogate.identity..", "io.zerogate.posture..", "io.zerogate.limits..", "io.zerogate.inspect..")
                        .and(DescribedPredicate.not(JavaClass.Predicates.belongToAnyOf(SpiffeId.class, ExpectedSpiffeId.class))))
                .check(classes);
        noClasses().that().resideInAPackage("io.zerogate.server..")
                .should().dependOnClassesThat().resideInAnyPackage("io.zerogate.identity..")
                .check(classes);
    }

    @Test
    void configurationIsPureData() {
        noClasses().that().resideInAPackage("io.zerogate.config..")
                .should().dependOnClassesThat().resideInAnyPackage("io.netty..", "io.zerogate.server..",
                        "io.zerogate.upstream..", "io.zerogate.chain..", "io.zerogate.cli..", "io.zerogate.admin..")
                .check(classes);
    }

    @Test
    void upstreamDoesNotReachBackIntoTheServer() {
        noClasses().that().resideInAPackage("io.zerogate.upstream..")
                .should().dependOnClassesThat().resideInAnyPackage("io.zerogate.server..", "io.zerogate.chain..")
                .check(classes);
    }

    @Test
    void theAuditTrailReadsOutcomesNotTheWire() {
        // Records are built from the chain's outcome and the facts stages attached, never from Netty objects, so
        // that what is recorded is what the chain decided on; and the data plane does not know the audit trail.
        noClasses().that().resideInAPackage("io.zerogate.audit..")
                .should().dependOnClassesThat().resideInAnyPackage("io.netty..", "io.zerogate.server..",
                        "io.zerogate.upstream..", "io.zerogate.admin..")
                .check(classes);
        noClasses().that().resideInAnyPackage("io.zerogate.server..", "io.zerogate.upstream..", "io.zerogate.chain..")
                .should().dependOnClassesThat().resideInAPackage("io.zerogate.audit..")
                .check(classes);
    }
}
