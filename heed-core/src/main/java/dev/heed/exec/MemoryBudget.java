package dev.heed.exec;

import dev.heed.ErrorCode;
import dev.heed.HeedException;
import dev.heed.tensor.DType;
import dev.heed.tensor.Storage;
import dev.heed.tensor.Tensor;
import java.util.Arrays;
import java.util.IdentityHashMap;
import java.util.function.Supplier;

/**
 * The one place where a size that a model (or a file) chooses becomes a byte count, and where that count
 * is held against the memory budget before anything is allocated.
 *
 * <p>Two checks, both in checked arithmetic (a count that overflows is {@code MEMORY_LIMIT}, never a
 * wrapped number):
 * <ol>
 *   <li><b>per tensor</b>: one allocation may not exceed {@link ExecutionOptions#memoryLimitBytes()}, whose
 *       default is derived from the heap ({@link #heapDefault()}: three quarters of
 *       {@link Runtime#maxMemory()}), so that under {@code -Xmx2g} a 3 GB tensor is refused, not attempted;</li>
 *   <li><b>per run</b>: while a run is bound ({@link #call}), the heap bytes its live tensors hold plus the
 *       new allocation may not exceed the same budget, so that three 1 GB outputs do not exhaust a 2 GB heap
 *       one after the other. The runner tells the ledger which tensors it holds ({@link #hold}) and when it
 *       lets go of them ({@link #drop}); views of one array count once.</li>
 * </ol>
 * Memory-mapped weights (segment storage) and the caller's own inputs are not heap the run allocates and
 * are not counted.
 *
 * <p>The ledger also records the run's <b>peak</b> ({@link #peakBytes()}): the most bytes it held at once, counting
 * the held tensors plus the reservations made on the run's thread since the runner last called {@link #settle()}
 * (an op's scratch and output, alive together while the op runs). It is an upper bound for the op's own
 * allocations, since scratch freed before the next reservation is still counted until {@link #settle()};
 * reservations made on worker threads and buffers no op reserves are not seen.
 *
 * <pre>{@code
 * long bytes = MemoryBudget.bytes("Tile 'tile_0': output", DType.FLOAT32, 3, 1 << 30); // checked, may throw
 * MemoryBudget.reserve(ctx, "Tile 'tile_0': output", DType.FLOAT32, dims);            // before Tensor.zeros
 * MemoryBudget run = MemoryBudget.forRun(ctx.options().memoryLimitBytes());
 * Map<String, Tensor> out = run.call(() -> execute(...));
 * }</pre>
 */
public final class MemoryBudget {
    private static final ScopedValue<MemoryBudget> RUN = ScopedValue.newInstance();

    private final long limit;
    private final IdentityHashMap<Object, int[]> held = new IdentityHashMap<>(); // array → references from the run
    private final IdentityHashMap<Object, Boolean> exempt = new IdentityHashMap<>(); // caller's and session's arrays
    private long live;
    private long pending; // reserved on the run's thread since the last settle(): the running op's scratch and output
    private long peak;

    private MemoryBudget(long limit) {
        if (limit < 1) throw HeedException.invalid("MemoryBudget", "limit must be >= 1, got " + limit);
        this.limit = limit;
    }

    /**
     * A ledger for one run with {@code limit} bytes of live heap tensors.
     *
     * @param limit the budget in bytes, ≥ 1 (usually {@link ExecutionOptions#memoryLimitBytes()})
     * @return an empty ledger
     * @throws HeedException {@link ErrorCode#INVALID_ARGUMENT} when {@code limit < 1}
     */
    public static MemoryBudget forRun(long limit) {
        return new MemoryBudget(limit);
    }

    /**
     * The default budget: three quarters of the heap the JVM may grow to ({@code -Xmx}), leaving a quarter for
     * the rest of the program, kernel scratch and the garbage collector's headroom.
     *
     * @return the default budget in bytes ({@link Long#MAX_VALUE} when the heap is unbounded)
     */
    public static long heapDefault() {
        long max = Runtime.getRuntime().maxMemory();
        return max == Long.MAX_VALUE ? max : Math.max(1, max / 4 * 3);
    }

    // ------------------------------------------------------------------ checked sizes

    /**
     * Bytes of a {@code dt} tensor of {@code dims}, in checked arithmetic.
     *
     * @param what names the tensor in error messages, e.g. {@code Tile 'tile_0': output}
     * @param dt   the element type
     * @param dims the shape
     * @return the byte count (0 when any dimension is 0)
     * @throws HeedException {@link ErrorCode#INVALID_ARGUMENT} for a negative dimension, {@link ErrorCode#MEMORY_LIMIT} when the count
     *                       overflows 64 bits
     */
    public static long bytes(String what, DType dt, int... dims) {
        long n = 1;
        boolean empty = false;
        for (int d : dims) {
            if (d < 0) throw HeedException.invalid(what, "negative dimension in " + Arrays.toString(dims));
            empty |= d == 0;
        }
        if (empty) return 0;
        for (int d : dims) n = mul(what, dt + Arrays.toString(dims), n, d);
        return mul(what, dt + Arrays.toString(dims), n, dt.byteSize());
    }

    /**
     * Bytes of {@code elementBytes}-byte elements over long {@code dims} (e.g. sizes a model computes), in checked
     * arithmetic.
     *
     * @param what         names the tensor in error messages
     * @param elementBytes bytes per element, ≥ 0
     * @param dims         the shape, as longs
     * @return the byte count (0 when any dimension is 0)
     * @throws HeedException {@link ErrorCode#INVALID_ARGUMENT} for a negative dimension, {@link ErrorCode#MEMORY_LIMIT} when the count
     *                       overflows 64 bits
     */
    public static long bytes(String what, long elementBytes, long... dims) {
        for (long d : dims) {
            if (d < 0) throw HeedException.invalid(what, "negative dimension in " + Arrays.toString(dims));
            if (d == 0) return 0;
        }
        long n = elementBytes;
        for (long d : dims) n = mul(what, Arrays.toString(dims), n, d);
        return n;
    }

    private static long mul(String what, String shape, long a, long b) {
        if (b != 0 && a > Long.MAX_VALUE / b) {
            throw new HeedException(ErrorCode.MEMORY_LIMIT, what + " " + shape + ": the byte count overflows 64 bits");
        }
        return a * b;
    }

    // ------------------------------------------------------------------ the checks

    /**
     * Refuses a {@code dt} tensor of {@code dims} over the budget; call it before allocating.
     *
     * @param ctx  the context whose per-tensor limit applies, or null for none
     * @param what names the tensor in error messages
     * @param dt   the element type
     * @param dims the shape
     * @return the tensor's size in bytes
     * @throws HeedException {@link ErrorCode#MEMORY_LIMIT} when the tensor is over the per-tensor limit or over what the current run has left
     */
    public static long reserve(ExecutionContext ctx, String what, DType dt, int... dims) {
        long bytes = bytes(what, dt, dims);
        reserve(ctx, what + " " + dt + Arrays.toString(dims), bytes);
        return bytes;
    }

    /**
     * {@link #reserve}s a {@code dt} array of {@code dims} and returns its element count as an array length,
     * refusing ({@code MEMORY_LIMIT}) a count no Java array can hold. For kernels that allocate with {@code new}.
     *
     * @param ctx  the context whose per-tensor limit applies, or null for none
     * @param what names the array in error messages
     * @param dt   the element type
     * @param dims the shape
     * @return the element count, a valid array length
     * @throws HeedException {@link ErrorCode#MEMORY_LIMIT} when over the budget or too large for one array
     */
    public static int elements(ExecutionContext ctx, String what, DType dt, int... dims) {
        long bytes = reserve(ctx, what, dt, dims);
        long n = bytes / dt.byteSize();
        if (n > Integer.MAX_VALUE - 16) {
            throw new HeedException(ErrorCode.MEMORY_LIMIT, what + " " + dt + Arrays.toString(dims) + " has " + n
                    + " elements, more than one Java array can hold");
        }
        return (int) n;
    }

    /**
     * Refuses an allocation of {@code bytes} over the per-tensor limit of {@code ctx} (none when ctx is null),
     * or over what the current run has left.
     *
     * @param ctx   the context whose per-tensor limit applies, or null for none
     * @param what  names the allocation in error messages
     * @param bytes the allocation's size in bytes
     * @throws HeedException {@link ErrorCode#MEMORY_LIMIT} naming the sizes and the limit when refused
     */
    public static void reserve(ExecutionContext ctx, String what, long bytes) {
        long perTensor = ctx == null ? Long.MAX_VALUE : ctx.options().memoryLimitBytes();
        if (bytes > perTensor) {
            throw new HeedException(ErrorCode.MEMORY_LIMIT, what + " needs " + bytes + " bytes, over the memory limit of "
                    + perTensor + " bytes (ExecutionOptions.memoryLimitBytes; by default 3/4 of the heap, -Xmx)");
        }
        if (RUN.isBound()) RUN.get().admit(what, bytes);
    }

    private synchronized void admit(String what, long bytes) {
        if (bytes > limit - live) {
            throw new HeedException(ErrorCode.MEMORY_LIMIT, what + " needs " + bytes + " bytes while the run already holds "
                    + live + " bytes of tensors; together they exceed the run's memory budget of " + limit + " bytes");
        }
        pending = saturated(pending, Math.max(0, bytes));
        peak = Math.max(peak, saturated(live, pending));
    }

    /** {@code a + b} for non-negative counts, {@link Long#MAX_VALUE} instead of wrapping. */
    private static long saturated(long a, long b) {
        return a > Long.MAX_VALUE - b ? Long.MAX_VALUE : a + b;
    }

    // ------------------------------------------------------------------ the run ledger

    /**
     * Runs {@code body} with this ledger as the current run's, so that {@link #reserve} checks it too. The binding is a
     * scoped value of the calling thread: reservations made on other threads (an {@link ExecutionContext}'s workers)
     * see only the per-tensor limit.
     *
     * @param <R>  the body's result type
     * @param body the run
     * @return what {@code body} returns
     */
    public <R> R call(Supplier<R> body) {
        return ScopedValue.where(RUN, this).call(body::get);
    }

    /**
     * Marks {@code t}'s array as not the run's (a caller's input, a session constant): never counted.
     *
     * @param t a tensor (null and segment-backed tensors are ignored)
     */
    public synchronized void exempt(Tensor t) {
        Object a = array(t);
        if (a != null) exempt.put(a, Boolean.TRUE);
    }

    /**
     * The run now references {@code t} (one more slot holds it); the first reference adds its array's bytes.
     *
     * @param t a tensor (null, exempt and segment-backed tensors are ignored)
     */
    public synchronized void hold(Tensor t) {
        Object a = array(t);
        if (a == null || exempt.containsKey(a)) return;
        int[] refs = held.get(a);
        if (refs == null) {
            held.put(a, new int[] {1});
            live += arrayBytes(t.storage());
            peak = Math.max(peak, saturated(live, pending));
        } else {
            refs[0]++;
        }
    }

    /**
     * The run no longer references {@code t} from one slot; the last reference removes its array's bytes.
     *
     * @param t a tensor previously {@link #hold held} (others are ignored)
     */
    public synchronized void drop(Tensor t) {
        Object a = array(t);
        if (a == null) return;
        int[] refs = held.get(a);
        if (refs == null) return;
        if (--refs[0] == 0) {
            held.remove(a);
            live -= arrayBytes(t.storage());
        }
    }

    /**
     * The op that made the reservations since the last call has returned: its scratch is garbage and its outputs are
     * about to be {@link #hold held}, so those reservations stop counting towards the {@link #peakBytes() peak}. The
     * runner calls it after each op, before holding the op's outputs.
     */
    public synchronized void settle() {
        pending = 0;
    }

    /**
     * The most bytes the run held at once so far: live held tensors plus the reservations of the op running at the
     * time (see the class comment for what is and is not seen). Exempt and memory-mapped tensors never count.
     *
     * @return the peak in bytes, 0 before anything was held or reserved
     */
    public synchronized long peakBytes() {
        return peak;
    }

    /** {@return the heap bytes the run's live tensors hold now} */
    public synchronized long liveBytes() {
        return live;
    }

    /** {@return the budget of this run, in bytes} */
    public long limit() {
        return limit;
    }

    private static Object array(Tensor t) {
        if (t == null || t.storage() instanceof Storage.Segment) return null; // mapped or native memory: not the run's heap
        return t.storage().buffer();
    }

    private static long arrayBytes(Storage s) {
        return s instanceof Storage.Segment ? 0 : s.byteSize();
    }
}
