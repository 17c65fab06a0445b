package io.meshspine.core.contract.internal;

import io.meshspine.core.contract.internal.YamlNode.Mapping;
import io.meshspine.core.contract.internal.YamlNode.Sequence;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.avro.Schema;

/**
 * {@code avroSchema} and {@code avroImports}: the product's Avro record, parsed from the files beside
 * the contract. Faults inside a schema file are reported against that file and its line.
 */
final class SchemaSection {

    private final ContractFile file;

    SchemaSection(ContractFile file) {
        this.file = file;
    }

    /** The product schema, or null when it is missing or broken (every other section then skips its schema checks). */
    Schema read(Mapping top) {
        String avsc = file.requiredString(top, "avroSchema", "");
        if (avsc == null) {
            return null;
        }
        Schema.Parser parser = new Schema.Parser();
        YamlNode imports = top.get("avroImports");
        if (imports != null) {
            Sequence seq = file.sequence(imports, "avroImports");
            if (seq != null) {
                for (YamlNode item : seq.items()) {
                    String name = file.scalarText(item, "avroImports");
                    if (name != null && parseAvsc(parser, name, item.line(), "avroImports") == null) {
                        return null;
                    }
                }
            }
        }
        Schema schema = parseAvsc(parser, avsc, top.lineOf("avroSchema"), "avroSchema");
        if (schema == null) {
            return null;
        }
        Path schemaFile = file.sibling(avsc);
        String schemaText = readQuietly(schemaFile);
        if (schema.getType() != Schema.Type.RECORD) {
            file.problemIn(schemaFile, 1, null, "the product schema must be an Avro record, found "
                    + schema.getType().getName());
            return null;
        }
        for (AvroSchemaReader.FieldIssue issue : AvroSchemaReader.invalidLogicalTypes(schema)) {
            file.problemIn(schemaFile, AvroSchemaReader.lineQuoting(schemaText, issue.field()), issue.field(), issue.message());
        }
        return schema;
    }

    private Schema parseAvsc(Schema.Parser parser, String name, int line, String key) {
        Path schemaFile = file.sibling(name);
        if (!Files.isRegularFile(schemaFile)) {
            file.problem(line, null, key + ": schema file '" + name + "' not found next to the contract");
            return null;
        }
        String text = readQuietly(schemaFile);
        try {
            return AvroSchemaReader.parse(parser, text);
        } catch (AvroSchemaReader.AvroSchemaException e) {
            file.problemIn(schemaFile, e.line(), null, e.getMessage());
            return null;
        }
    }

    /** Empty when unreadable: the file was just found, and a read fault shows up as a parse problem. */
    private static String readQuietly(Path p) {
        try {
            return Files.readString(p, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "";
        }
    }
}
