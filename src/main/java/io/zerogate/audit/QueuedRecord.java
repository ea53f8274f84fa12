package io.zerogate.audit;

/**
 * A record waiting for the audit writer, with the JSON members its line will carry, encoded by the thread that
 * recorded it ({@link RecordEncoder#record}). The writer links the members into the chain as they are.
 */
record QueuedRecord(AuditRecord record, byte[] members) {}
