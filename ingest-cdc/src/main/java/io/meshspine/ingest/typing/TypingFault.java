package io.meshspine.ingest.typing;

/**
 * A value that does not fit its field. Internal to typing, which turns it into {@link Typing.Untyped}: bad rows are
 * expected data, so no stack trace is filled in.
 */
final class TypingFault extends Exception {

    TypingFault(String reason) {
        super(reason, null, false, false);
    }
}
