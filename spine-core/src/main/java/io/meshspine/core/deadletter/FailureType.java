package io.meshspine.core.deadletter;

/** Why a record became a dead letter; the stage that failed it. */
public enum FailureType {
    /** The bytes are not a record at all: empty, not the registry wire format, unknown schema id, unparsable line. */
    DESERIALIZATION,
    /** A record, but not one the contract's schema can read (or its business key is missing). */
    SCHEMA,
    /** A readable record that breaks one or more of the contract's error rules. */
    RULE,
    /** The spine itself failed on this record (an exception, a record too large for its topic). */
    PROCESSING,
    /** The lake sink could not write it (a value that does not fit its column). */
    SINK
}
