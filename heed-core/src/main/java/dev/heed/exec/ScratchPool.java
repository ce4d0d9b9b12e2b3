package dev.heed.exec;

import java.util.ArrayList;
import java.util.List;

/**
 * Large float scratch arrays kept between calls of one {@link ExecutionContext}, so that a kernel that needs a
 * big temporary buffer on every call (exact attention's transposed keys: as large as K) does not allocate, zero and
 * page in a fresh one each time. Borrowed arrays hold whatever the last user left: callers write every element
 * they read. At most {@link #KEPT} arrays are kept (the smallest is dropped first); {@link #clear} drops all.
 * Thread-safe; an array is never handed to two borrowers at once.
 */
final class ScratchPool {
    /** Arrays kept at most. */
    static final int KEPT = 4;

    private final List<float[]> free = new ArrayList<>(); // guarded by this

    /** An array of at least {@code n} floats, contents undefined: the smallest kept one that fits, or a new one. */
    synchronized float[] borrow(int n) {
        int best = -1;
        for (int i = 0; i < free.size(); i++) {
            int len = free.get(i).length;
            if (len >= n && (best < 0 || len < free.get(best).length)) best = i;
        }
        return best >= 0 ? free.remove(best) : new float[n];
    }

    /** Returns an array for later borrowers; beyond {@link #KEPT} arrays the smallest is dropped. */
    synchronized void giveBack(float[] a) {
        if (a == null) return;
        for (float[] f : free) {
            if (f == a) return; // already given back
        }
        free.add(a);
        if (free.size() > KEPT) {
            int small = 0;
            for (int i = 1; i < free.size(); i++) if (free.get(i).length < free.get(small).length) small = i;
            free.remove(small);
        }
    }

    /** Drops every kept array. */
    synchronized void clear() {
        free.clear();
    }

    /** Floats held by kept arrays (for tests). */
    synchronized long keptFloats() {
        long n = 0;
        for (float[] f : free) n += f.length;
        return n;
    }
}
