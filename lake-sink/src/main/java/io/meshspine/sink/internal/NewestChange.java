package io.meshspine.sink.internal;

/**
 * Which of two changes of one business key an upsert table keeps, the rule the live sink applies within a batch and the
 * backfill applies over the whole Bronze snapshot, so both end with the same row: by {@link SourceSequence} when both
 * changes have one from the same log (a key that moved between source partitions, or a snapshot read arriving after a
 * streamed change, may arrive out of order), otherwise the later arrival. Equal sequences are the same change again:
 * the later arrival wins. A delete keeps its sequence here, so an older change arriving after it does not bring the
 * key back.
 */
final class NewestChange {

    private NewestChange() {
    }

    /** Whether {@code arriving} (read after {@code held}) replaces it as the key's newest change. */
    static boolean replaces(SilverRows.KeyChange held, SilverRows.KeyChange arriving) {
        return held == null || !SourceSequence.isAfter(held.sequence(), arriving.sequence());
    }
}
