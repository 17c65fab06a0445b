package io.meshspine.cli.privacy;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.meshspine.dlq.PrivacyErasures;
import io.meshspine.dlq.Steward;

/**
 * The workbench's {@code POST /api/privacy/erasures}: the same {@link Erasure} as {@code ./spine privacy erase}, with
 * the admin the token names as the requester (the attestation and the resolve entry in spine.audit say so, via http).
 */
public final class WorkbenchErasures implements PrivacyErasures {

    private final Erasure erasure;

    /** @param erasure built over the workbench that serves the endpoint (it resolves the subject's dead letters) */
    public WorkbenchErasures(Erasure erasure) {
        this.erasure = erasure;
    }

    @Override
    public ObjectNode erase(String subjectField, String subjectValue, String reason, boolean purgeNow, Steward who) {
        if (erasure.contractsOf(subjectField).isEmpty()) {
            throw new IllegalArgumentException("no contract names '" + subjectField + "' as its data subject");
        }
        return erasure.erase(new Erasure.Request(subjectField, subjectValue, reason, who.name(), purgeNow, who)).toJson();
    }
}
