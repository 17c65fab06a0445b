package io.meshspine.core.ops;

import io.micrometer.core.instrument.Tag;

/**
 * The label names the spine's dashboards and alerts group by. Using these instead of ad-hoc strings keeps one
 * spelling across modules, so a Grafana query by {@code contract} works for every service.
 */
public enum Label {
    CONTRACT("contract"),
    TOPIC("topic"),
    FAILURE_TYPE("failure_type"),
    RULE("rule");

    private final String key;

    Label(String key) {
        this.key = key;
    }

    public String key() {
        return key;
    }

    public Tag tag(String value) {
        return Tag.of(key, value);
    }
}
