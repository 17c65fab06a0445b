package io.meshspine.dlq;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;

/**
 * One page of a selection, newest first (or oldest first), and the cursor of the next page: where the page ended, so
 * a dead letter arriving meanwhile neither shifts nor repeats what the next page shows. The cursor is opaque to callers.
 */
public record ListPage(List<QueuedDeadLetter> items, int total, String nextCursor) {

    /** A page's size when the caller does not say (the CLI's and the API's). */
    public static final int DEFAULT_LIMIT = 100;

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

    private static final Comparator<QueuedDeadLetter> OLDEST_FIRST = Comparator
            .comparing((QueuedDeadLetter q) -> q.letter().deadLetteredAt()).thenComparing(QueuedDeadLetter::id);

    public static ListPage of(List<QueuedDeadLetter> selected, Order order, String cursor, int limit) {
        if (limit < 1) {
            throw new IllegalArgumentException("limit must be at least 1, was " + limit);
        }
        Comparator<QueuedDeadLetter> comparator = order == Order.OLDEST ? OLDEST_FIRST : OLDEST_FIRST.reversed();
        List<QueuedDeadLetter> sorted = new ArrayList<>(selected);
        sorted.sort(comparator);
        int from = 0;
        if (cursor != null && !cursor.isBlank()) {
            Position after = Position.decode(cursor);
            while (from < sorted.size() && compare(order, sorted.get(from), after) <= 0) {
                from++;
            }
        }
        int to = Math.min(sorted.size(), from + limit);
        List<QueuedDeadLetter> page = sorted.subList(from, to);
        String next = to < sorted.size() && !page.isEmpty() ? Position.of(page.get(page.size() - 1)).encode() : null;
        return new ListPage(page, sorted.size(), next);
    }

    /** Whether {@code q} comes at or before the position in this order (so it was on an earlier page). */
    private static int compare(Order order, QueuedDeadLetter q, Position p) {
        int c = q.letter().deadLetteredAt().compareTo(p.at());
        if (c == 0) {
            c = q.id().compareTo(p.id());
        }
        return order == Order.OLDEST ? c : -c;
    }

    private record Position(Instant at, String id) {
        static Position of(QueuedDeadLetter q) {
            return new Position(q.letter().deadLetteredAt(), q.id());
        }

        String encode() {
            return Base64.getUrlEncoder().withoutPadding().encodeToString((at + "|" + id).getBytes(StandardCharsets.UTF_8));
        }

        static Position decode(String cursor) {
            try {
                String text = new String(Base64.getUrlDecoder().decode(cursor), StandardCharsets.UTF_8);
                int bar = text.indexOf('|');
                return new Position(Instant.parse(text.substring(0, bar)), text.substring(bar + 1));
            } catch (RuntimeException e) {
                throw new IllegalArgumentException("cursor: not one this server gave (take next_cursor from the previous page)");
            }
        }
    }
}
