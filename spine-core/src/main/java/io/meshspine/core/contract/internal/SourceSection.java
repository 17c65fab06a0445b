package io.meshspine.core.contract.internal;

import io.meshspine.core.contract.CdcConnector;
import io.meshspine.core.contract.CsvOptions;
import io.meshspine.core.contract.FileFormat;
import io.meshspine.core.contract.Lane;
import io.meshspine.core.contract.SourceBinding;
import io.meshspine.core.contract.internal.YamlNode.Mapping;
import java.nio.charset.Charset;
import java.nio.file.FileSystems;
import java.time.format.DateTimeFormatter;
import java.util.Optional;
import java.util.Set;

/**
 * {@code source}: the lane records come by and its binding (the CDC table, the file landing glob
 * with its CSV options, or the event producer). Which keys are allowed depends on the lane.
 */
final class SourceSection {

    private final ContractFile file;

    SourceSection(ContractFile file) {
        this.file = file;
    }

    SourceBinding read(Mapping top) {
        Mapping m = file.requiredMapping(top, "source", "");
        if (m == null) {
            return null;
        }
        Lane lane = file.enumValue(m, "lane", "source", Lane.values(), Lane::fromConfig, null);
        if (lane == null) {
            return null;
        }
        return switch (lane) {
            case CDC -> cdcBinding(m);
            case FILE -> fileBinding(m);
            case EVENT -> {
                file.unknownKeys(m, "source", Set.of("lane", "producer"));
                yield new SourceBinding.Event(file.optionalString(m, "producer", "source"));
            }
        };
    }

    private SourceBinding cdcBinding(Mapping m) {
        file.unknownKeys(m, "source", Set.of("lane", "connector", "database", "schema", "table"));
        CdcConnector connector = file.enumValue(m, "connector", "source", CdcConnector.values(), CdcConnector::fromConfig, null);
        String database = file.requiredString(m, "database", "source");
        Optional<String> dbSchema = file.optionalString(m, "schema", "source");
        String table = file.requiredString(m, "table", "source");
        if (connector == CdcConnector.MARIADB && dbSchema.isPresent()) {
            file.problem(m.lineOf("schema"), null, "source.schema: MariaDB has no schemas inside a database; leave it out");
        }
        if (connector == null || database == null || table == null) {
            return null;
        }
        return new SourceBinding.Cdc(connector, database,
                connector == CdcConnector.POSTGRES ? Optional.of(dbSchema.orElse("public")) : Optional.empty(), table);
    }

    private SourceBinding fileBinding(Mapping m) {
        file.unknownKeys(m, "source", Set.of("lane", "landing", "format", "csv"));
        String landing = file.requiredString(m, "landing", "source");
        FileFormat format = file.enumValue(m, "format", "source", FileFormat.values(), FileFormat::fromConfig, FileFormat.CSV);
        if (landing != null) {
            try {
                FileSystems.getDefault().getPathMatcher("glob:" + landing);
            } catch (IllegalArgumentException e) {
                file.problem(m.lineOf("landing"), null, "source.landing: not a valid glob: " + e.getMessage());
            }
        }
        CsvOptions csv = csv(m, format);
        if (landing == null || format == null || csv == null) {
            return null;
        }
        return new SourceBinding.File(landing, format, csv);
    }

    private CsvOptions csv(Mapping source, FileFormat format) {
        YamlNode node = source.get("csv");
        if (node == null) {
            return CsvOptions.DEFAULT;
        }
        if (format != FileFormat.CSV) {
            file.problem(source.lineOf("csv"), null, "source.csv: CSV options given for format " + format);
        }
        Mapping m = file.mapping(node, "source.csv");
        if (m == null) {
            return null;
        }
        String where = "source.csv";
        file.unknownKeys(m, where, Set.of("delimiter", "header", "quote", "encoding", "dateFormat", "timestampFormat", "nullValue"));
        CsvOptions d = CsvOptions.DEFAULT;
        Character delimiter = singleChar(m, "delimiter", where, d.delimiter());
        Character quote = singleChar(m, "quote", where, d.quote());
        Boolean header = file.bool(m, "header", where, d.header());
        Charset encoding = d.encoding();
        Optional<String> enc = file.optionalString(m, "encoding", where);
        if (enc.isPresent()) {
            try {
                encoding = Charset.forName(enc.get());
            } catch (IllegalArgumentException e) {
                file.problem(m.lineOf("encoding"), null, where + ".encoding: unknown charset '" + enc.get() + "'");
                encoding = null;
            }
        }
        String dateFormat = dateTimePattern(m, "dateFormat", where, d.dateFormat());
        String timestampFormat = dateTimePattern(m, "timestampFormat", where, d.timestampFormat());
        String nullValue = file.optionalString(m, "nullValue", where).orElse(d.nullValue());
        if (delimiter == null || quote == null || header == null || encoding == null || dateFormat == null || timestampFormat == null) {
            return null;
        }
        if (delimiter.equals(quote)) {
            file.problem(m.lineOf("quote"), null, where + ": delimiter and quote must differ");
            return null;
        }
        return new CsvOptions(delimiter, header, quote, encoding, dateFormat, timestampFormat, nullValue);
    }

    private Character singleChar(Mapping m, String key, String where, char fallback) {
        Optional<String> text = file.optionalString(m, key, where);
        if (text.isEmpty()) {
            return fallback;
        }
        String t = text.get().equals("\\t") ? "\t" : text.get();
        if (t.length() != 1) {
            file.problem(m.lineOf(key), null, where + "." + key + ": must be a single character, found '" + text.get() + "'");
            return null;
        }
        return t.charAt(0);
    }

    private String dateTimePattern(Mapping m, String key, String where, String fallback) {
        Optional<String> text = file.optionalString(m, key, where);
        if (text.isEmpty()) {
            return fallback;
        }
        try {
            DateTimeFormatter.ofPattern(text.get());
            return text.get();
        } catch (IllegalArgumentException e) {
            file.problem(m.lineOf(key), null, where + "." + key + ": not a date-time pattern: " + e.getMessage());
            return null;
        }
    }
}
