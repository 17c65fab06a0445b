package io.meshspine.dlq;

import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * Erases one data subject across the lake, as {@code ./spine privacy erase} does (issue 16): what the workbench's
 * {@code POST /api/privacy/erasures} hands an admin's request to. The workbench module cannot reach the lake itself;
 * whoever starts the server with the lake's settings (spine-cli) provides this.
 */
@FunctionalInterface
public interface PrivacyErasures {

    /**
     * @param subjectValue personal data: never logged, never stored (the attestation names the subject by HMAC)
     * @param purgeNow     delete the rewritten Silver files at once (breaks time travel to earlier versions)
     * @return the attestation as JSON (it is also in {@code spine.audit}, naming {@code who})
     * @throws IllegalArgumentException no contract names the field as its subject (400)
     */
    ObjectNode erase(String subjectField, String subjectValue, String reason, boolean purgeNow, Steward who);

    /** Erasures with what they opened (the key store): closed when the server stops. */
    interface Served extends PrivacyErasures, AutoCloseable {
        @Override
        void close();
    }

    /**
     * Makes the erasures of {@code ./spine dlq serve}, which cannot build them here: spine-cli registers one
     * ({@code META-INF/services}), found with {@link java.util.ServiceLoader}. Without one, the endpoint answers 501.
     */
    interface Provider {
        /**
         * @param lakeRoot    the lake the sink writes (its Silver tables are where the subject's rows are deleted)
         * @param gateHashKey the gate's {@code gate.hash-key}: Silver holds the subject's HMAC under it
         */
        Served open(DlqWorkbench bench, String lakeRoot, byte[] gateHashKey);
    }
}
