package io.meshspine.cli.privacy;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.meshspine.core.privacy.DataKeyStore;
import io.meshspine.core.topic.Topics;
import io.meshspine.dlq.DlqWorkbench;
import io.meshspine.dlq.PrivacyErasures;
import io.meshspine.dlq.Steward;

import java.time.Clock;
import java.util.HashMap;
import java.util.Map;

/**
 * The workbench's {@code POST /api/privacy/erasures}: the same {@link Erasure} as {@code ./spine privacy erase}, with
 * the admin the token names as the requester (the attestation and the resolve entry in spine.audit say so, via http).
 * One way to open it for every server that serves it: {@code ./spine run dlq-api}, {@code ./spine dlq serve} (through
 * {@link Provider}) and {@code ./spine demo}.
 */
public final class WorkbenchErasures implements PrivacyErasures.Served {

    private final Erasure erasure;
    /** The key store this opened (null: its caller's). */
    private final DataKeyStore keys;

    /** @param erasure built over the workbench that serves the endpoint (it resolves the subject's dead letters) */
    public WorkbenchErasures(Erasure erasure) {
        this(erasure, null);
    }

    private WorkbenchErasures(Erasure erasure, DataKeyStore keys) {
        this.erasure = erasure;
        this.keys = keys;
    }

    /**
     * Erasures over the lake at {@code lakeRoot}, with the workbench's contracts, Kafka client and privacy keys (a key
     * store of its own, closed with this).
     *
     * @param hadoop Hadoop settings of the lake (without the {@code hadoop.} prefix)
     */
    public static WorkbenchErasures open(DlqWorkbench bench, String lakeRoot, Map<String, String> hadoop, byte[] gateHashKey) {
        Map<String, Object> kafka = new HashMap<>(bench.config().kafkaClient());
        kafka.put("bootstrap.servers", bench.config().bootstrapServers());
        DataKeyStore keys = bench.config().privacy().openKeyStore(Topics.PRIVACY_KEYS, kafka);
        try {
            return new WorkbenchErasures(new Erasure(bench.catalog().contracts(), lakeRoot, hadoop, keys, gateHashKey, kafka,
                    Clock.systemUTC(), bench), keys);
        } catch (RuntimeException e) {
            keys.close();
            throw e;
        }
    }

    @Override
    public ObjectNode erase(String subjectField, String subjectValue, String reason, boolean purgeNow, Steward who) {
        if (erasure.contractsOf(subjectField).isEmpty()) {
            throw new IllegalArgumentException("no contract names '" + subjectField + "' as its data subject");
        }
        return erasure.erase(new Erasure.Request(subjectField, subjectValue, reason, who.name(), purgeNow, who)).toJson();
    }

    @Override
    public void close() {
        if (keys != null) {
            keys.close();
        }
    }

    /** What {@code ./spine dlq serve} finds with {@link java.util.ServiceLoader} (registered in META-INF/services). */
    public static final class Provider implements PrivacyErasures.Provider {
        @Override
        public PrivacyErasures.Served open(DlqWorkbench bench, String lakeRoot, byte[] gateHashKey) {
            return WorkbenchErasures.open(bench, lakeRoot, Map.of(), gateHashKey);
        }
    }
}
