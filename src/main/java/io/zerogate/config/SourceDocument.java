package io.zerogate.config;

/** The document being bound: its name for messages, and how its references are resolved. */
record SourceDocument(String source, ValueReferences references) {}
