package io.meshspine.testkit;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** Two JVMs each start their own broker and registry: nothing collides, and a killed JVM leaves no registry behind. */
@ExtendWith(SpineExtension.class)
class ParallelTestKitsTest {

    @Test
    void a_second_jvm_gets_its_own_broker_and_registry_and_a_killed_jvm_leaves_no_registry_process(SpineTestKit kit,
                                                                                                  @TempDir Path scratch)
            throws Exception {
        // The killed JVM cannot delete its broker log and registry work dirs: they go under a dir JUnit deletes.
        Process other = startSecondJvm(scratch);
        try {
            Map<String, String> endpoints = readEndpoints(other);
            assertThat(endpoints.get("bootstrap.servers")).isNotEqualTo(kit.bootstrapServers()).startsWith("127.0.0.1:");
            assertThat(endpoints.get("registry.url")).isNotEqualTo(kit.registryUrl()).startsWith("http://127.0.0.1:");

            try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, endpoints.get("bootstrap.servers")))) {
                assertThat(admin.describeCluster().clusterId().get(30, TimeUnit.SECONDS))
                        .isNotEqualTo(kit.admin().describeCluster().clusterId().get(30, TimeUnit.SECONDS));
            }
            HttpResponse<Void> health = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                    URI.create(endpoints.get("registry.url").replace("/apis/registry/v3", "/health/ready"))).build(),
                    HttpResponse.BodyHandlers.discarding());
            assertThat(health.statusCode()).isEqualTo(200);

            // kill -9: no shutdown hook runs, yet the registry's guard sees its pipe close and stops the registry.
            long registryGuard = Long.parseLong(endpoints.get("registry.pid"));
            List<ProcessHandle> registryProcesses = ProcessHandle.of(registryGuard).stream()
                    .flatMap(h -> java.util.stream.Stream.concat(java.util.stream.Stream.of(h), h.descendants())).toList();
            assertThat(registryProcesses).isNotEmpty();
            other.destroyForcibly();
            await("registry processes of the killed JVM exit").atMost(Duration.ofSeconds(30))
                    .until(() -> registryProcesses.stream().noneMatch(ProcessHandle::isAlive));
        } finally {
            other.descendants().forEach(ProcessHandle::destroyForcibly);
            other.destroyForcibly();
        }
    }

    private static Process startSecondJvm(Path scratch) throws Exception {
        ProcessBuilder builder = new ProcessBuilder(ChildJvm.command(scratch, List.of("-Xmx512m"), SpineInfrastructureMain.class.getName()))
                .redirectErrorStream(true);
        builder.environment().put(SpineInfrastructure.KAFKA_CHOICE_ENV, "embedded");
        builder.environment().remove(SpineInfrastructure.REGISTRY_CHOICE_ENV);
        return builder.start();
    }

    private static Map<String, String> readEndpoints(Process process) throws Exception {
        Map<String, String> endpoints = new HashMap<>();
        BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        Thread reader = new Thread(() -> {
            try {
                for (String line; (line = out.readLine()) != null; ) {
                    int eq = line.indexOf('=');
                    if (eq > 0 && !line.contains(" ")) {
                        synchronized (endpoints) {
                            endpoints.put(line.substring(0, eq), line.substring(eq + 1));
                        }
                    }
                    if (line.equals("ready")) {
                        synchronized (endpoints) {
                            endpoints.put("ready", "true");
                        }
                    }
                }
            } catch (Exception ignored) {
                // The process was killed: the stream ends.
            }
        }, "second-jvm-output");
        reader.setDaemon(true);
        reader.start();
        await("second JVM ready").atMost(Duration.ofSeconds(120)).until(() -> {
            synchronized (endpoints) {
                return endpoints.containsKey("ready");
            }
        });
        synchronized (endpoints) {
            return Map.copyOf(endpoints);
        }
    }
}
