package io.meshspine.dlq;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Locale;

/**
 * One page of a selection, newest first (or oldest first), read from the queue's index (no payloads), how many the
 * whole selection holds, the cursor of the next page and the scope (whether dead letters outside the caller's domains
 * were left out). The cursor is where the page ended, so a dead letter arriving meanwhile neither shifts nor repeats
 * what the next page shows; it is opaque to callers.
 */
public record ListPage(List<QueueEntry> items, long total, String nextCursor, Scope scope) {

    /** A page's size when the caller does not say (the CLI's and the API's). */
    public static final int DEFAULT_LIMIT = 100;

    /** A page's size at most (a larger limit is served this many): a page is read into the heap. */
    public static final int MAX_LIMIT = 10_000;

    /** Which end of the queue a list starts from. */
    public enum Order {
        NEWEST, OLDEST;

        public static Order parse(String value) {
            if (value == null || value.isBlank()) {
                return NEWEST;
            }
            try {
                return valueOf(value.trim().toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("order: '" + value + "' is none of " + List.of(values()).toString().toLowerCase(Locale.ROOT));
            }
        }
    }

    public ListPage {
        items = List.copyOf(items);
    }

    /** The page size served: refuses one below 1, naming the parameter; serves at most {@link #MAX_LIMIT}. */
    public static int checkLimit(int limit) {
        if (limit < 1) {
            throw new IllegalArgumentException("limit must be at least 1, was " + limit);
        }
        return Math.min(limit, MAX_LIMIT);
    }

    /** Where a page ended: the last item's time and id. */
    public record Position(Instant at, String id) {

        public static Position of(QueueEntry e) {
            return new Position(e.deadLetteredAt(), e.id());
        }

        public String encode() {
            return Base64.getUrlEncoder().withoutPadding().encodeToString((at + "|" + id).getBytes(StandardCharsets.UTF_8));
        }

        /** The cursor a previous page gave; null or blank: the first page. */
        public static Position decode(String cursor) {
            if (cursor == null || cursor.isBlank()) {
                return null;
            }
            try {
                String text = new String(Base64.getUrlDecoder().decode(cursor.trim()), StandardCharsets.UTF_8);
                int bar = text.indexOf('|');
                return new Position(Instant.parse(text.substring(0, bar)), text.substring(bar + 1));
            } catch (RuntimeException e) {
                throw new IllegalArgumentException("cursor: not one this server gave (take next_cursor from the previous page)");
            }
        }
    }
}
