package io.meshspine.core.topic;

/** What a topic is for; it decides its retention and clean-up policy. */
public enum TopicRole {
    /** {@code raw.*}: records as the lanes produced them. */
    RAW,
    /** {@code <domain>.<dataset>.v<major>}: records that passed their contract. */
    PRODUCT,
    /** {@code spine.dlq}, {@code spine.dlq.parked}: dead letters, kept long enough for stewards. */
    DEAD_LETTER,
    /** {@code spine.audit}: the audit trail, never deleted. */
    AUDIT,
    /** Compacted internal state (ledgers, offsets, replay progress): the latest value per key is the truth. */
    STATE
}
