package io.meshspine.core.ops;

import io.meshspine.core.ops.HealthCheck.Result;
import io.meshspine.core.ops.HealthCheck.Status;
import org.junit.jupiter.api.Test;

import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class HealthTest {

    private final Health health = new Health();

    @Test
    void a_service_without_checks_is_live_and_ready() {
        assertThat(health.liveness().up()).isTrue();
        assertThat(health.readiness().up()).isTrue();
        assertThat(health.details().toJson()).isEqualTo("{\"status\":\"UP\",\"checks\":[]}");
    }

    @Test
    void a_down_check_makes_the_service_unready_but_still_live() {
        health.register("gate", () -> Result.up("RUNNING"));
        health.register("registry", () -> Result.down("unreachable"));

        assertThat(health.liveness().up()).isTrue();
        assertThat(health.readiness().status()).isEqualTo(Status.DOWN);
        assertThat(health.readiness().checks()).containsExactly(new Health.Check("registry", Status.DOWN, "unreachable"));
        assertThat(health.details().toJson()).isEqualTo("""
                {"status":"DOWN","checks":[{"name":"gate","status":"UP","detail":"RUNNING"},\
                {"name":"registry","status":"DOWN","detail":"unreachable"}]}""");
    }

    @Test
    void a_failed_check_makes_the_service_neither_live_nor_ready() {
        health.register("gate", () -> Result.failed("ERROR"));

        assertThat(health.liveness().status()).isEqualTo(Status.DOWN);
        assertThat(health.liveness().checks()).containsExactly(new Health.Check("gate", Status.FAILED, "ERROR"));
        assertThat(health.readiness().status()).isEqualTo(Status.DOWN);
    }

    @Test
    void every_probe_asks_the_checks_again() {
        AtomicReference<Result> gate = new AtomicReference<>(Result.down("REBALANCING"));
        health.register("gate", gate::get);
        assertThat(health.readiness().up()).isFalse();

        gate.set(Result.up("RUNNING"));

        assertThat(health.readiness().up()).isTrue();
    }

    @Test
    void a_throwing_check_is_down_and_shows_only_the_exception_type() {
        health.register("sink", () -> {
            throw new IllegalStateException("jdbc:postgresql://user:secret@db");
        });

        assertThat(health.liveness().up()).isTrue();
        assertThat(health.details().toJson())
                .contains("\"detail\":\"check threw java.lang.IllegalStateException\"")
                .doesNotContain("secret");
    }

    @Test
    void details_are_escaped_as_json_strings() {
        health.register("file-lane", () -> Result.down("bad \"name\"\\\n\u0001"));

        assertThat(health.details().toJson()).contains("\"detail\":\"bad \\\"name\\\"\\\\\\n\\u0001\"");
    }

    @Test
    void check_names_are_unique_lower_case_ids() {
        health.register("gate", () -> Result.up(""));

        assertThatThrownBy(() -> health.register("gate", () -> Result.up("")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("already registered");
        assertThatThrownBy(() -> health.register("Gate \"x\"", () -> Result.up("")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("lower-case id");
    }

    @Test
    void an_unregistered_check_no_longer_counts() {
        health.register("dlq", () -> Result.down("starting"));

        health.unregister("dlq");

        assertThat(health.readiness().up()).isTrue();
    }
}
