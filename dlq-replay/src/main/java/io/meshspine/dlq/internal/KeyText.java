package io.meshspine.dlq.internal;

import com.fasterxml.jackson.databind.JsonNode;
import io.meshspine.core.avro.AvroJson;
import io.meshspine.core.render.WireDecoder;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/** A record key as {@code key=} filters compare it: a one-field key's value, the key record as JSON, or the bytes as text. */
public final class KeyText {

    private KeyText() {
    }

    static String of(byte[] key, WireDecoder decoder) {
        if (key == null) {
            return null;
        }
        WireDecoder.Decoded d = decoder.decode(key);
        if (!(d instanceof WireDecoder.Avro a)) {
            return new String(key, StandardCharsets.UTF_8);
        }
        JsonNode json = AvroJson.toJson(a.datum(), a.writer());
        return json.isObject() && json.size() == 1 ? json.elements().next().asText() : json.toString();
    }

    /** What the index keeps instead of the key: the key may be PII, its hash still answers {@code key=}. */
    public static String sha256(String text) {
        if (text == null) {
            return null;
        }
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
