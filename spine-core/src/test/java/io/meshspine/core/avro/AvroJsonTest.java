package io.meshspine.core.avro;

import com.fasterxml.jackson.databind.JsonNode;
import org.apache.avro.Conversions;
import org.apache.avro.LogicalTypes;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.LocalDate;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class AvroJsonTest {

    private static final Schema SCHEMA = new Schema.Parser().parse("""
            {"type": "record", "name": "Everything", "fields": [
              {"name": "id", "type": {"type": "string", "logicalType": "uuid"}},
              {"name": "amount", "type": {"type": "bytes", "logicalType": "decimal", "precision": 18, "scale": 2}},
              {"name": "fee", "type": ["null", {"type": "bytes", "logicalType": "decimal", "precision": 18, "scale": 2}], "default": null},
              {"name": "rate", "type": {"type": "fixed", "name": "Rate", "size": 8, "logicalType": "decimal", "precision": 10, "scale": 4}},
              {"name": "at_micros", "type": {"type": "long", "logicalType": "timestamp-micros"}},
              {"name": "at_millis", "type": ["null", {"type": "long", "logicalType": "timestamp-millis"}]},
              {"name": "local_at", "type": {"type": "long", "logicalType": "local-timestamp-millis"}},
              {"name": "day", "type": {"type": "int", "logicalType": "date"}},
              {"name": "time", "type": {"type": "int", "logicalType": "time-millis"}},
              {"name": "blob", "type": "bytes"},
              {"name": "kind", "type": {"type": "enum", "name": "Kind", "symbols": ["A", "B"]}},
              {"name": "tags", "type": {"type": "array", "items": "string"}},
              {"name": "attrs", "type": {"type": "map", "values": "long"}},
              {"name": "ratio", "type": "double"},
              {"name": "nested", "type": ["null", {"type": "record", "name": "Inner", "fields": [{"name": "n", "type": "int"}]}]}
            ]}""");

    @Test
    void logical_types_render_readably_and_unions_show_the_branch_value() {
        Conversions.DecimalConversion decimals = new Conversions.DecimalConversion();
        Schema rate = SCHEMA.getField("rate").schema();
        GenericData.Record r = new GenericData.Record(SCHEMA);
        r.put("id", "5eed0000-0000-0000-0000-000000000001");
        r.put("amount", decimals.toBytes(new BigDecimal("12.34"), null, LogicalTypes.decimal(18, 2)));
        r.put("fee", decimals.toBytes(new BigDecimal("-0.05"), null, LogicalTypes.decimal(18, 2)));
        r.put("rate", decimals.toFixed(new BigDecimal("1.2500"), rate, rate.getLogicalType()));
        r.put("at_micros", Instant.parse("2026-03-01T10:15:30.123456Z").getEpochSecond() * 1_000_000 + 123_456);
        r.put("at_millis", null);
        r.put("local_at", Instant.parse("2026-03-01T10:15:30Z").toEpochMilli());
        r.put("day", (int) LocalDate.parse("2026-03-01").toEpochDay());
        r.put("time", 3_600_000 + 1);
        r.put("blob", ByteBuffer.wrap("hi".getBytes(StandardCharsets.UTF_8)));
        r.put("kind", new GenericData.EnumSymbol(SCHEMA.getField("kind").schema(), "B"));
        r.put("tags", List.of("x", "y"));
        r.put("attrs", Map.of("k", 7L));
        r.put("ratio", Double.NaN);
        GenericData.Record inner = new GenericData.Record(SCHEMA.getField("nested").schema().getTypes().get(1));
        inner.put("n", 3);
        r.put("nested", inner);

        JsonNode json = AvroJson.toJson(r);

        assertThat(json.toString()).isEqualTo("{\"id\":\"5eed0000-0000-0000-0000-000000000001\",\"amount\":\"12.34\",\"fee\":\"-0.05\","
                + "\"rate\":\"1.2500\",\"at_micros\":\"2026-03-01T10:15:30.123456Z\",\"at_millis\":null,"
                + "\"local_at\":\"2026-03-01T10:15:30\",\"day\":\"2026-03-01\",\"time\":\"01:00:00.001\",\"blob\":\"aGk=\","
                + "\"kind\":\"B\",\"tags\":[\"x\",\"y\"],\"attrs\":{\"k\":7},\"ratio\":\"NaN\",\"nested\":{\"n\":3}}");
    }

    @Test
    void converted_logical_values_render_the_same_as_their_generic_form() {
        Schema schema = new Schema.Parser().parse("""
                {"type": "record", "name": "R", "fields": [
                  {"name": "amount", "type": ["null", {"type": "bytes", "logicalType": "decimal", "precision": 9, "scale": 2}]},
                  {"name": "at", "type": {"type": "long", "logicalType": "timestamp-millis"}},
                  {"name": "day", "type": {"type": "int", "logicalType": "date"}}
                ]}""");
        GenericData.Record r = new GenericData.Record(schema);
        r.put("amount", new BigDecimal("7.50"));
        r.put("at", Instant.parse("2026-01-02T03:04:05Z"));
        r.put("day", LocalDate.parse("2026-01-02"));

        assertThat(AvroJson.toJson(r).toString())
                .isEqualTo("{\"amount\":\"7.50\",\"at\":\"2026-01-02T03:04:05Z\",\"day\":\"2026-01-02\"}");
    }
}
