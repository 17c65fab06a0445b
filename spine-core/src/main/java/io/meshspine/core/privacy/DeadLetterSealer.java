package io.meshspine.core.privacy;

import io.meshspine.core.cdc.ChangeEvent;
import io.meshspine.core.contract.Contract;
import io.meshspine.core.contract.ContractCatalog;
import io.meshspine.core.contract.Lane;
import io.meshspine.core.deadletter.DeadLetter;
import io.meshspine.core.deadletter.OriginalRecord;
import io.meshspine.core.deadletter.Sealing;
import io.meshspine.core.render.WireDecoder;
import io.meshspine.core.topic.Topics;
import org.apache.avro.generic.GenericRecord;

import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * Encrypts a dead letter's original at rest and opens it again (issue 16): the one place every writer of the DLQ (the
 * gate, the sink, a backfill and its {@code --replace}, the file and CDC lanes) and its one reader (the workbench) go
 * through, so the envelope stays one.
 *
 * <p>When the dead letter's contract has PII, the original value is encrypted under the record's data subject key
 * (the contract's subject field read from the original bytes; for a change event its {@code after} row, {@code before}
 * for a delete, also when the CDC lane kept the change as Debezium's JSON), or the domain's key when no subject can be read (undecodable bytes, no subject field, a null
 * subject). The original key is encrypted too when a key field is PII (as Bronze's {@code _key}). Headers stay as they
 * arrived (the spine's own headers, no payload). A dead letter whose contract is unknown is sealed under the domain
 * key of its {@code raw.<domain>.*} topic when any contract of that domain has PII; otherwise it stays in clear.
 *
 * <p>The cipher is opened on first need (a key store is a consumer and a producer), so a service that never meets a
 * dead letter of a PII contract never reads the key topic.
 */
public final class DeadLetterSealer implements AutoCloseable {

    /** What opening a sealed dead letter gave. */
    public sealed interface Opened {
        DeadLetter letter();

        /** The dead letter with its original in clear (sealing cleared); a dead letter that was never sealed as it is. */
        record Plain(DeadLetter letter) implements Opened {
        }

        /**
         * The subject was erased: the original is gone for good. {@code letter} is the sealed dead letter as stored,
         * with context entry {@link #ERASED_CONTEXT} naming the erasure.
         */
        record Erased(DeadLetter letter, String erasureId) implements Opened {
        }
    }

    /** The context entry an opened dead letter of an erased subject carries (in memory, and on a parked copy). */
    public static final String ERASED_CONTEXT = "privacy.erased_by";

    /**
     * The context entry an opened dead letter carries in memory: the key id it was sealed under, so a copy written
     * again (a parked one) is sealed again, and one that was never sealed is not. {@link #seal} drops it.
     */
    public static final String OPENED_CONTEXT = "privacy.opened_from";

    private final ContractCatalog catalog;
    private final WireDecoder decoder;
    private final Supplier<SubjectCipher> opener;
    private final AutoCloseable closer;
    private SubjectCipher cipher;

    /**
     * @param opener opens the cipher (and its key store) on first need; {@link #close()} closes what it opened
     */
    public DeadLetterSealer(ContractCatalog catalog, WireDecoder decoder, Supplier<SubjectCipher> opener) {
        this.catalog = catalog;
        this.decoder = decoder;
        this.opener = opener;
        this.closer = () -> {
            SubjectCipher c = cipherIfOpen();
            if (c != null) {
                c.keys().close();
            }
        };
    }

    /** A sealer over the key topic {@code topic} with these privacy settings, opened on first need. */
    public static DeadLetterSealer over(PrivacyConfig privacy, String topic, Map<String, Object> kafkaClient, ContractCatalog catalog,
                                        WireDecoder decoder) {
        Map<String, Object> client = Map.copyOf(kafkaClient);
        return new DeadLetterSealer(catalog, decoder, () -> new SubjectCipher(privacy.openKeyStore(topic, client)));
    }

    /**
     * Reads the key topic to its end now, when the keys are open (an erasure that destroyed keys through another store
     * calls this, so the letters it resolves stop opening at once rather than within {@link DataKeyStore#REFRESH}).
     */
    public void catchUpKeys() {
        SubjectCipher c = cipherIfOpen();
        if (c != null) {
            c.keys().catchUp();
        }
    }

    private synchronized SubjectCipher cipherIfOpen() {
        return cipher;
    }

    private synchronized SubjectCipher cipher() {
        if (cipher == null) {
            cipher = opener.get();
        }
        return cipher;
    }

    /**
     * The dead letter with its original encrypted when its contract holds PII, else as it is (also when already
     * sealed). Returns after the key it used is durable in the key topic: a dead letter never names a key the topic lost.
     */
    public DeadLetter seal(DeadLetter d) {
        DeadLetter sealed = sealBeforeKeysDurable(d);
        awaitKeysDurable();
        return sealed;
    }

    /**
     * As {@link #seal}, without waiting for a new key to be durable: for a writer whose dead letters become durable
     * only at a commit of its own (the gate's transaction), which calls {@link #awaitKeysDurable()} before each commit.
     * One wait per commit instead of a round trip to the key topic per dead letter of a new subject.
     */
    public DeadLetter sealBeforeKeysDurable(DeadLetter d) {
        if (d.context().containsKey(OPENED_CONTEXT)) {
            Map<String, String> context = new HashMap<>(d.context());
            context.remove(OPENED_CONTEXT);
            d = d.withContext(context);
        }
        if (d.sealed() || d.original().value() == null && d.original().key() == null) {
            return d;
        }
        Optional<Contract> contract = contractOf(d);
        KeyScope scope;
        boolean keySealed;
        if (contract.isPresent()) {
            Contract c = contract.get();
            if (c.pii().isEmpty()) {
                return d;
            }
            Optional<String> subject = subjectOf(c, d.original().value());
            scope = subject.map(s -> KeyScope.subject(c.domain(), s)).orElse(KeyScope.domain(c.domain()));
            keySealed = c.keys().stream().anyMatch(k -> c.piiField(k).isPresent());
        } else {
            Optional<String> rawDomain = Topics.rawDomain(d.original().topic());
            if (rawDomain.isEmpty() || catalog.contracts().stream().noneMatch(c -> c.domain().equals(rawDomain.get()) && !c.pii().isEmpty())) {
                return d;
            }
            scope = KeyScope.domain(rawDomain.get());
            // no contract says which key fields are PII: the key could be one
            keySealed = true;
        }
        SubjectCipher c = cipher();
        DataKey key = c.keyFor(scope);
        OriginalRecord o = d.original();
        byte[] value = o.value() == null ? null : c.encrypt(key, o.value());
        byte[] k = o.key() == null || !keySealed ? o.key() : c.encrypt(key, o.key());
        return d.withOriginal(new OriginalRecord(o.topic(), o.partition(), o.offset(), o.timestamp(), k, value, o.headers()),
                new Sealing(key.keyId(), key.scopeHash(), keySealed && o.key() != null));
    }

    /**
     * Returns once every key sealed dead letters were encrypted under is in the key topic (at once when the cipher was
     * never opened); throws when one was lost, and the keys that did not make it are forgotten (see
     * {@link DataKeyStore#awaitDurable()}): what was sealed under them must not become durable.
     */
    public void awaitKeysDurable() {
        SubjectCipher c = cipherIfOpen();
        if (c != null) {
            c.awaitKeysDurable();
        }
    }

    /**
     * The dead letter with its original in clear, or {@link Opened.Erased} when an erasure destroyed its key.
     *
     * @throws KeyStoreLostException when the key topic never held the key and no erasure destroyed it (never taken for an erasure)
     */
    public Opened open(DeadLetter d) {
        if (!d.sealed()) {
            return new Opened.Plain(d);
        }
        SubjectCipher c = cipher();
        OriginalRecord o = d.original();
        byte[] value = null;
        if (o.value() != null) {
            Decryption v = c.decrypt(o.value());
            if (v instanceof Decryption.Erased e) {
                return erased(d, e.erasureId());
            }
            value = ((Decryption.Plain) v).bytes();
        }
        byte[] key = o.key();
        if (key != null && d.sealing().keySealed()) {
            Decryption k = c.decrypt(key);
            if (k instanceof Decryption.Erased e) {
                return erased(d, e.erasureId());
            }
            key = ((Decryption.Plain) k).bytes();
        }
        Map<String, String> context = new HashMap<>(d.context());
        context.put(OPENED_CONTEXT, d.sealing().keyId());
        return new Opened.Plain(d.withOriginal(new OriginalRecord(o.topic(), o.partition(), o.offset(), o.timestamp(), key, value,
                o.headers()), null).withContext(context));
    }

    private static Opened erased(DeadLetter d, String erasureId) {
        Map<String, String> context = new HashMap<>(d.context());
        context.put(ERASED_CONTEXT, erasureId);
        return new Opened.Erased(d.withContext(context), erasureId);
    }

    private Optional<Contract> contractOf(DeadLetter d) {
        if (d.contract() != null) {
            Optional<Contract> named = catalog.byProductTopic(d.contract());
            if (named.isPresent()) {
                return named;
            }
        }
        return catalog.byRawTopic(d.original().topic()).stream().findFirst();
    }

    /** The subject value the original bytes hold, if they decode and hold one. */
    private Optional<String> subjectOf(Contract c, byte[] value) {
        Optional<String> field = c.subject().field();
        if (field.isEmpty() || value == null) {
            return Optional.empty();
        }
        try {
            WireDecoder.Decoded decoded = decoder.decode(value);
            if (decoded instanceof WireDecoder.Undecodable && c.lane() == Lane.CDC) {
                return jsonChangeSubject(field.get(), value);
            }
            if (!(decoded instanceof WireDecoder.Avro avro) || !(avro.datum() instanceof GenericRecord record)) {
                return Optional.empty();
            }
            GenericRecord row = record;
            if (c.lane() == Lane.CDC && record.getSchema().getField(ChangeEvent.AFTER) != null) {
                Object after = record.get(ChangeEvent.AFTER);
                row = (GenericRecord) (after != null ? after : record.get(ChangeEvent.BEFORE));
            }
            if (row == null || row.getSchema().getField(field.get()) == null) {
                return Optional.empty();
            }
            Object subject = row.get(field.get());
            return subject == null ? Optional.empty() : Optional.of(subject.toString());
        } catch (RuntimeException e) {
            // bytes that do not read as the contract's record: the domain's key, as for undecodable Bronze rows
            return Optional.empty();
        }
    }

    private static final com.fasterxml.jackson.databind.ObjectMapper JSON = new com.fasterxml.jackson.databind.ObjectMapper();

    /**
     * The subject of a change the CDC lane kept as Debezium's JSON (a table whose capture stopped): its {@code after}
     * row, {@code before} for a delete; so its dead letters are sealed under the subject's key, and an erasure finds them.
     */
    private static Optional<String> jsonChangeSubject(String field, byte[] value) {
        try {
            com.fasterxml.jackson.databind.JsonNode change = JSON.readTree(value);
            if (change == null || !change.isObject()) {
                return Optional.empty();
            }
            com.fasterxml.jackson.databind.JsonNode row = change.path(ChangeEvent.AFTER).isObject() ? change.get(ChangeEvent.AFTER)
                    : change.path(ChangeEvent.BEFORE);
            com.fasterxml.jackson.databind.JsonNode subject = row.path(field);
            return subject.isTextual() || subject.isNumber() ? Optional.of(subject.asText()) : Optional.empty();
        } catch (java.io.IOException e) {
            // neither Avro nor JSON: the domain's key
            return Optional.empty();
        }
    }

    @Override
    public void close() {
        try {
            closer.close();
        } catch (Exception e) {
            throw new IllegalStateException("closing the key store of the dead-letter sealer", e);
        }
    }
}
