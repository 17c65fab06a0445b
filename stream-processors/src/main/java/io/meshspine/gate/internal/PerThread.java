package io.meshspine.gate.internal;

import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;

/**
 * A value per thread, the first thread's held in a field: the gate's stream thread finds its state without a
 * ThreadLocal lookup (which, in a stream thread's crowded ThreadLocal map, cost the masker ~10% of the thread in a
 * profile). Any other thread gets its own value through a ThreadLocal.
 */
final class PerThread<T> {

    private final Supplier<T> initial;
    private final ThreadLocal<T> others;
    private final AtomicReference<Thread> owner = new AtomicReference<>();
    /** Written and read by the owner thread only. */
    private T owned;

    PerThread(Supplier<T> initial) {
        this.initial = initial;
        this.others = ThreadLocal.withInitial(initial);
    }

    T get() {
        Thread current = Thread.currentThread();
        Thread o = owner.get();
        if (o == current) {
            return owned;
        }
        if (o == null && owner.compareAndSet(null, current)) {
            owned = initial.get();
            return owned;
        }
        return others.get();
    }
}
