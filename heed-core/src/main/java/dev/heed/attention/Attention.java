package dev.heed.attention;

import dev.heed.exec.ExecutionContext;
import dev.heed.tensor.Tensor;

/**
 * Scaled dot-product attention: the one entry point of every implementation. See {@link AttentionSpec} for
 * the contract (shapes, scale, causal alignment, masks, GQA, window, fully masked rows = zeros).
 *
 * <pre>{@code
 * try (ExecutionContext ctx = ExecutionContext.create(ExecutionOptions.defaults())) {
 *     // q [1, 12, 128, 64], k and v [1, 12, 128, 64]
 *     AttentionResult r = Attention.compute(ctx, q, k, v, AttentionSpec.defaults().withCausal(true));
 *     Tensor out = r.output(); // [1, 12, 128, 64]
 * }
 * }</pre>
 */
public final class Attention {
    private Attention() {}

    /**
     * {@link AttentionImpl#AUTO} uses {@link AttentionImpl#FLASH} when one head's score matrix would hold at
     * least this many floats (4 MiB), {@link AttentionImpl#EXACT} below.
     */
    public static final long AUTO_FLASH_THRESHOLD = 1L << 20;

    /**
     * Attention with default options (scale 1/√E, no mask, AUTO).
     *
     * @param ctx the threads to run on
     * @param q   queries {@code [B, Hq, L, E]} float32, any layout
     * @param k   keys {@code [B, Hkv, S, E]} float32, {@code Hq % Hkv == 0}
     * @param v   values {@code [B, Hkv, S, Ev]} float32
     * @return the output {@code [B, Hq, L, Ev]}; no weights
     * @throws dev.heed.HeedException as {@link #compute(ExecutionContext, Tensor, Tensor, Tensor, AttentionSpec)}
     */
    public static AttentionResult compute(ExecutionContext ctx, Tensor q, Tensor k, Tensor v) {
        return compute(ctx, q, k, v, AttentionSpec.defaults());
    }

    /**
     * Computes attention. q {@code [B, Hq, L, E]}, k {@code [B, Hkv, S, E]}, v {@code [B, Hkv, S, Ev]} (any
     * views; float32). Returns the output {@code [B, Hq, L, Ev]} and, when {@link AttentionSpec#captureWeights()},
     * the probabilities {@code [B, Hq, L, S]}.
     *
     * @param ctx  the threads to run on
     * @param q    queries {@code [B, Hq, L, E]} float32, any layout
     * @param k    keys {@code [B, Hkv, S, E]} float32, {@code Hq % Hkv == 0}
     * @param v    values {@code [B, Hkv, S, Ev]} float32
     * @param spec scale, masks, window, implementation, weight capture
     * @return the output and, when asked for, the weights
     * @throws dev.heed.HeedException {@link dev.heed.ErrorCode#SHAPE_MISMATCH} when the shapes break the contract of {@link AttentionSpec},
     *                       {@link dev.heed.ErrorCode#DTYPE_MISMATCH} for non-float32 inputs, {@link dev.heed.ErrorCode#UNSUPPORTED}
     *                       for an option the chosen implementation lacks (a window with {@code LINEAR}, say)
     */
    public static AttentionResult compute(ExecutionContext ctx, Tensor q, Tensor k, Tensor v, AttentionSpec spec) {
        return run(ctx, q, k, v, spec, null);
    }

    /**
     * {@link #compute} writing the output into {@code out} instead of a new tensor, for loops that run attention on
     * same-sized inputs again and again (decoding steps, serving, benchmarks) and should not allocate — and have the
     * garbage collector clear — a {@code [B, Hq, L, Ev]} array per call. {@code out} must be a contiguous float32
     * heap tensor of exactly that shape (any offset, for example a slice of a larger buffer) and must not share
     * storage with q, k or v; its previous contents are ignored. The result's {@link AttentionResult#output()} is
     * {@code out}; captured weights, when asked for, are still a new tensor.
     *
     * <pre>{@code
     * Tensor out = Tensor.zeros(DType.FLOAT32, 1, 12, 2048, 64);
     * for (int step = 0; step < steps; step++) Attention.computeInto(ctx, q, k, v, spec, out);
     * }</pre>
     *
     * @param ctx  the threads to run on
     * @param q    queries {@code [B, Hq, L, E]} float32, any layout
     * @param k    keys {@code [B, Hkv, S, E]} float32, {@code Hq % Hkv == 0}
     * @param v    values {@code [B, Hkv, S, Ev]} float32
     * @param spec scale, masks, window, implementation, weight capture
     * @param out  the destination, contiguous float32 {@code [B, Hq, L, Ev]} on the heap, not null
     * @return a result whose output is {@code out}
     * @throws dev.heed.HeedException as {@link #compute(ExecutionContext, Tensor, Tensor, Tensor, AttentionSpec)}, and
     *                       {@link dev.heed.ErrorCode#SHAPE_MISMATCH}, {@link dev.heed.ErrorCode#UNSUPPORTED} or
     *                       {@link dev.heed.ErrorCode#INVALID_ARGUMENT} when {@code out} has the wrong shape, dtype or
     *                       layout or shares storage with an input
     */
    public static AttentionResult computeInto(ExecutionContext ctx, Tensor q, Tensor k, Tensor v, AttentionSpec spec,
                                              Tensor out) {
        java.util.Objects.requireNonNull(out, "out");
        return run(ctx, q, k, v, spec, out);
    }

    private static AttentionResult run(ExecutionContext ctx, Tensor q, Tensor k, Tensor v, AttentionSpec spec, Tensor into) {
        AttentionImpl impl = resolve(spec.implementation(), q, k);
        AttentionProblem p = new AttentionProblem("attention (" + impl + ")", q, k, v, spec, into);
        TileKernels kern = TileKernels.best();
        return switch (impl) {
            case EXACT -> ExactAttention.compute(ctx, p, kern, spec.captureWeights());
            case FLASH -> FlashAttention.compute(ctx, p, kern, spec.captureWeights());
            case LINEAR -> LinearAttention.compute(ctx, p, kern, spec.captureWeights());
            case AUTO -> throw new IllegalStateException("resolved above");
        };
    }

    /**
     * The implementation {@code AUTO} resolves to for these inputs (others resolve to themselves): {@code FLASH} when
     * {@code L·S ≥ }{@link #AUTO_FLASH_THRESHOLD}, {@code EXACT} below.
     *
     * @param impl the requested implementation
     * @param q    queries {@code [B, Hq, L, E]}
     * @param k    keys {@code [B, Hkv, S, E]}
     * @return the implementation that runs, never {@code AUTO}
     */
    public static AttentionImpl resolve(AttentionImpl impl, Tensor q, Tensor k) {
        if (impl != AttentionImpl.AUTO) return impl;
        long scores = q.rank() == 4 && k.rank() == 4 ? (long) q.dim(2) * k.dim(2) : 0;
        return scores >= AUTO_FLASH_THRESHOLD ? AttentionImpl.FLASH : AttentionImpl.EXACT;
    }
}
