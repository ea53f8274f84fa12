package io.zerogate.config;

/**
 * A resolved string value and the node it was read from.
 *
 * @param text       the value with references resolved
 * @param referenced true when some of {@code text} came from a reference and so must never be shown
 * @param written    the value as written in the document (references unresolved, safe to show)
 */
record ConfigValue(String text, boolean referenced, String written, ConfigNode at) {

    /**
     * How a message names this value: quoted when it was written literally, otherwise by the reference
     * it came from ({@code the value of ${env:X}}), so that a secret never reaches a message or a log.
     */
    String shown() {
        if (!referenced) {
            return YamlNode.Scalar.quote(text);
        }
        boolean single = written.startsWith("${") && written.indexOf('}') == written.length() - 1;
        return "the value of " + (single ? written : YamlNode.Scalar.quote(written));
    }

    ConfigException error(String problem) {
        return at.error(problem);
    }
}
