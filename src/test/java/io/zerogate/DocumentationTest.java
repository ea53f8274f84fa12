package io.zerogate;

import static org.assertj.core.api.Assertions.assertThat;

import io.zerogate.chain.ReasonCode;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** The operator documentation lists every reason code with the status it really maps to. */
class DocumentationTest {

    @Test
    void everyReasonCodeIsDocumentedWithItsStatus() throws Exception {
        String doc = Files.readString(Path.of("docs/operations.md"));
        for (ReasonCode r : ReasonCode.values()) {
            assertThat(doc).as(r.name()).contains("| `" + r.code() + "` | " + r.status() + " |");
        }
    }
}
