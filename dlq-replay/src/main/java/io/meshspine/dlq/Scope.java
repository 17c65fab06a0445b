package io.meshspine.dlq;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.Set;
import java.util.TreeSet;

/**
 * Which part of the queue an answer covers: the caller's domains ({@code *}: all), and whether the filter also
 * matched dead letters outside them that were left out ({@code narrowed}). How many were left out is not said: that
 * is other domains' business.
 */
public record Scope(Set<String> domains, boolean narrowed) {

    public static final Scope ALL = new Scope(Set.of(Steward.ALL_DOMAINS), false);

    public Scope {
        domains = Set.copyOf(domains);
    }

    public ObjectNode toJson() {
        ObjectNode n = JsonNodeFactory.instance.objectNode();
        var a = n.putArray("domains");
        new TreeSet<>(domains).forEach(a::add);
        n.put("narrowed", narrowed);
        return n;
    }

    /** One line for the CLI's stderr, or null when nothing was left out. */
    public String note() {
        return narrowed ? "note: narrowed to your domains " + new TreeSet<>(domains)
                + "; the filter also matched dead letters of other domains, left out" : null;
    }
}
