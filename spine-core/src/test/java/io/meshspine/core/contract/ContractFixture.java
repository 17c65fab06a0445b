package io.meshspine.core.contract;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** A valid little contract tree in a temporary directory, which tests then break in one place. */
final class ContractFixture {

    static final String SCHEMA = """
            {
              "type": "record",
              "name": "Order",
              "namespace": "test.shop.orders.v1",
              "fields": [
                {"name": "order_id", "type": "string"},
                {"name": "customer_email", "type": "string"},
                {"name": "amount", "type": {"type": "bytes", "logicalType": "decimal", "precision": 12, "scale": 2}},
                {"name": "quantity", "type": "int"},
                {"name": "placed_at", "type": {"type": "long", "logicalType": "timestamp-micros"}},
                {"name": "note", "type": ["null", "string"], "default": null}
              ]
            }
            """;

    static final String CONTRACT = """
            apiVersion: v3.0.2
            kind: DataContract
            id: shop.orders
            version: 1.2.0
            domain: shop
            dataProduct: orders
            description:
              purpose: Orders placed in the web shop.
            team:
              name: shop-team
              owner: shop-owner@bank.example
            classification: confidential
            avroSchema: orders.avsc
            keys: [order_id]
            source:
              lane: event
            pii:
              - field: customer_email
                masking: hash
            quality:
              - id: amount-positive
                kind: range
                field: amount
                min: 0
                minInclusive: false
              - id: quantity-small
                kind: range
                field: quantity
                max: 100
                severity: warn
              - id: email-format
                kind: regex
                field: customer_email
                pattern: '[^@]+@[^@]+'
              - id: placed-not-in-future
                kind: not-in-future
                field: placed_at
                clockSkew: 1m
              - id: note-short
                kind: max-length
                field: note
                maxLength: 20
              - id: big-orders-have-notes
                kind: cel
                expression: amount < 1000.0 || note != null
            slaProperties:
              - property: freshness
                value: 30m
            sink:
              bronze: true
              silver:
                mode: append
              retention: 30d
            """;

    final Path root;
    final Path dir;

    private ContractFixture(Path root) {
        this.root = root;
        this.dir = root.resolve("shop/orders/v1");
    }

    static ContractFixture write(Path root) {
        return write(root, CONTRACT, SCHEMA);
    }

    static ContractFixture write(Path root, String contract, String schema) {
        ContractFixture f = new ContractFixture(root);
        try {
            Files.createDirectories(f.dir);
            Files.writeString(f.dir.resolve("contract.yaml"), contract);
            Files.writeString(f.dir.resolve("orders.avsc"), schema);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return f;
    }

    /** The fixture contract with one piece of text replaced (which must be there). */
    static String contractWith(String from, String to) {
        if (!CONTRACT.contains(from)) {
            throw new IllegalArgumentException("not in the fixture: " + from);
        }
        return CONTRACT.replace(from, to);
    }

    static String schemaWith(String from, String to) {
        if (!SCHEMA.contains(from)) {
            throw new IllegalArgumentException("not in the fixture: " + from);
        }
        return SCHEMA.replace(from, to);
    }

    /** 1-based line of the first line containing {@code text}. */
    static int lineOf(String document, String text) {
        String[] lines = document.split("\n", -1);
        for (int i = 0; i < lines.length; i++) {
            if (lines[i].contains(text)) {
                return i + 1;
            }
        }
        throw new IllegalArgumentException("not found: " + text);
    }
}
