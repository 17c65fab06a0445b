package io.meshspine.core.contract;

import java.util.Objects;
import java.util.Optional;

/** Where a product's records come from: one binding per lane. */
public sealed interface SourceBinding permits SourceBinding.Cdc, SourceBinding.File, SourceBinding.Event {

    Lane lane();

    /**
     * A captured table.
     *
     * @param schema the database schema (PostgreSQL); empty for MariaDB, where the database is the schema
     */
    record Cdc(CdcConnector connector, String database, Optional<String> schema, String table) implements SourceBinding {
        public Cdc {
            Objects.requireNonNull(connector, "connector");
            Objects.requireNonNull(database, "database");
            Objects.requireNonNull(schema, "schema");
            Objects.requireNonNull(table, "table");
        }

        @Override
        public Lane lane() {
            return Lane.CDC;
        }

        /** The table as Debezium's include lists name it: {@code schema.table} or {@code database.table}. */
        public String qualifiedTable() {
            return schema.orElse(database) + "." + table;
        }
    }

    /**
     * Files dropped under the landing directory.
     *
     * @param landingGlob glob relative to the landing root, e.g. {@code lending/loan_applications/*.csv}
     * @param csv         CSV options; {@link CsvOptions#DEFAULT} for other formats
     */
    record File(String landingGlob, FileFormat format, CsvOptions csv) implements SourceBinding {
        public File {
            Objects.requireNonNull(landingGlob, "landingGlob");
            Objects.requireNonNull(format, "format");
            Objects.requireNonNull(csv, "csv");
        }

        @Override
        public Lane lane() {
            return Lane.FILE;
        }
    }

    /** Applications produce to the raw topic themselves; {@code producer} names the owning application. */
    record Event(Optional<String> producer) implements SourceBinding {
        public Event {
            Objects.requireNonNull(producer, "producer");
        }

        @Override
        public Lane lane() {
            return Lane.EVENT;
        }
    }
}
