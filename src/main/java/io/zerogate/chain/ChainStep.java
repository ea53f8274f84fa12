package io.zerogate.chain;

import java.util.Objects;

/** A stage with the name it is known by in metrics, logs and audit records. */
public record ChainStep(String name, Stage stage) {

    public ChainStep {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(stage, "stage");
    }
}
