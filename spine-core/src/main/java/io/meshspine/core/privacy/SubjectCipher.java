package io.meshspine.core.privacy;

import java.nio.ByteBuffer;

/**
 * Encrypts values under their scope's data key and decrypts them again: the one API the sink (Bronze), the gate (dead
 * letter originals), the workbench, replay and backfill use. Decrypting tells an erased value from a lost key store:
 * {@link Decryption.Erased} when an erasure destroyed the key, {@link KeyStoreLostException} when the key was never seen.
 */
public final class SubjectCipher {

    private final DataKeyStore keys;

    public SubjectCipher(DataKeyStore keys) {
        this.keys = keys;
    }

    public DataKeyStore keys() {
        return keys;
    }

    /** The value encrypted in the {@link Ciphertext} format under the scope's current key. */
    public byte[] encrypt(KeyScope scope, byte[] plain) {
        return Ciphertext.seal(keys.keyFor(scope), plain);
    }

    /** The value encrypted under a key already chosen (all columns of one row share it). */
    public byte[] encrypt(DataKey key, byte[] plain) {
        return Ciphertext.seal(key, plain);
    }

    /** Before storing values encrypted under new keys durably: see {@link DataKeyStore#awaitDurable()}. */
    public void awaitKeysDurable() {
        keys.awaitDurable();
    }

    public DataKey keyFor(KeyScope scope) {
        return keys.keyFor(scope);
    }

    /**
     * The original bytes of a ciphertext (a Bronze {@code _value} or PII column, a dead letter's original), or
     * {@link Decryption.Erased}.
     *
     * @throws KeyStoreLostException when no key and no erasure is known for its key id
     * @throws IllegalArgumentException when the bytes are not a ciphertext or fail authentication
     */
    public Decryption decrypt(byte[] ciphertext) {
        String keyId = Ciphertext.keyId(ciphertext);
        DataKeyStore.Lookup found = keys.lookup(keyId);
        if (found instanceof DataKeyStore.Lookup.Live live) {
            return new Decryption.Plain(keyId, Ciphertext.open(live.key().secret(), ciphertext));
        }
        return new Decryption.Erased(keyId, ((DataKeyStore.Lookup.Destroyed) found).erasureId());
    }

    public Decryption decrypt(ByteBuffer ciphertext) {
        byte[] bytes = new byte[ciphertext.remaining()];
        ciphertext.duplicate().get(bytes);
        return decrypt(bytes);
    }
}
