package io.meshspine.testkit;

import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The machine is prepared for CDC the way .ci/run promises: logical decoding and a ROW binlog. */
class SourceDatabasesTest {

    @Test
    void postgresql_runs_with_logical_decoding() throws Exception {
        try (Connection db = SourceDatabases.postgres(); Statement st = db.createStatement();
             ResultSet rs = st.executeQuery("SHOW wal_level")) {
            rs.next();
            assertThat(rs.getString(1)).as("wal_level; " + SourceDatabases.howToFix()).isEqualTo("logical");
        }
    }

    @Test
    void mariadb_runs_with_a_row_binlog() throws Exception {
        try (Connection db = SourceDatabases.mariadb(); Statement st = db.createStatement();
             ResultSet rs = st.executeQuery("SELECT @@log_bin, @@binlog_format, @@server_id")) {
            rs.next();
            assertThat(rs.getInt(1)).as("log_bin; " + SourceDatabases.howToFix()).isEqualTo(1);
            assertThat(rs.getString(2)).as("binlog_format; " + SourceDatabases.howToFix()).isEqualTo("ROW");
            assertThat(rs.getLong(3)).as("server_id").isPositive();
        }
    }

    @Test
    void a_database_set_up_otherwise_fails_the_test_naming_the_setting_and_the_fix() throws Exception {
        try (Connection db = SourceDatabases.postgres()) {
            assertThatThrownBy(() -> SourceDatabases.require(db, "PostgreSQL", "SHOW wal_level", "minimal", "wal_level"))
                    .isInstanceOf(AssertionError.class)
                    .hasMessageContaining("wal_level=logical, CDC needs minimal").hasMessageContaining(".ci/run --prepare-only");
        }
    }
}
