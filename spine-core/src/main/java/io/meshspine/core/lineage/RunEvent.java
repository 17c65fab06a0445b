package io.meshspine.core.lineage;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;

import java.time.OffsetDateTime;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Objects;

/**
 * An OpenLineage run event (core spec {@value #SCHEMA_URL}): what {@link LineageEmitter} sends, serialised by
 * {@link LineageJson} into exactly the spec's JSON. {@code eventTime} is ISO-8601 with its offset, as the spec's
 * {@code date-time} format requires.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonPropertyOrder({"eventType", "eventTime", "run", "job", "inputs", "outputs", "producer", "schemaURL"})
public record RunEvent(EventType eventType, @JsonIgnore OffsetDateTime time, Run run, Job job, List<InputDataset> inputs,
                       List<OutputDataset> outputs, String producer) {

    /** The OpenLineage core spec this model follows (2-0-2, the spec of the 1.x clients). */
    public static final String SCHEMA_URL = "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent";

    public RunEvent {
        Objects.requireNonNull(eventType, "eventType");
        Objects.requireNonNull(time, "time");
        Objects.requireNonNull(run, "run");
        Objects.requireNonNull(job, "job");
        inputs = List.copyOf(inputs);
        outputs = List.copyOf(outputs);
        Objects.requireNonNull(producer, "producer");
    }

    @JsonProperty("eventTime")
    public String eventTime() {
        return time.format(DateTimeFormatter.ISO_OFFSET_DATE_TIME);
    }

    @JsonProperty("schemaURL")
    public String schemaUrl() {
        return SCHEMA_URL;
    }
}
