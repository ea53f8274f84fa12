package io.zerogate.audit;

/**
 * Told about every record once it is linked into the chain (incidents, the admin API's live tail). Called on
 * the audit writer's thread: a listener must return quickly and never block.
 */
@FunctionalInterface
public interface AuditListener {

    /** {@code line} is the record's linked line, without its newline; it must not be modified. */
    void recorded(AuditRecord record, byte[] line);
}
