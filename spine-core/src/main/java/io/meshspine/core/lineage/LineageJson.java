package io.meshspine.core.lineage;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;

/** Run events as the spec's JSON, one line each (no pretty printing: a JSON-lines file and a Kafka value alike). */
public final class LineageJson {

    private static final ObjectMapper MAPPER = new ObjectMapper().disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS);

    private LineageJson() {
    }

    public static String write(RunEvent event) {
        try {
            return MAPPER.writeValueAsString(event);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("run event of job " + event.job().name() + " cannot be serialised", e);
        }
    }

    public static ObjectMapper mapper() {
        return MAPPER;
    }
}
