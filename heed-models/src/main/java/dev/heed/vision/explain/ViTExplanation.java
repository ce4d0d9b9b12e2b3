package dev.heed.vision.explain;

import dev.heed.HeedException;
import dev.heed.vision.Classification;
import dev.heed.vision.RgbImage;
import java.util.List;

/**
 * Where a ViT looked for one image: the attention rollout of its CLS token over the patch grid, plus the raw
 * per-layer attention for viewers. Plain data; built by {@code Classifier.explain}.
 *
 * <pre>{@code
 * ViTExplanation e = vit.explain(image, 5, RolloutOptions.defaults());
 * float[] heat = e.rollout();                 // [gridH, gridW] row-major
 * int best = e.argmax();                      // the patch the class token drew most from
 * }</pre>
 *
 * @param top       the top-k classes
 * @param view      the image the model saw (after resize and centre crop), {@code size × size}
 * @param gridH     patch rows
 * @param gridW     patch columns
 * @param rollout   {@code [gridH, gridW]}: row 0 of the rolled-out attention over the patch tokens
 * @param heads     heads per layer
 * @param tokens    tokens per layer (1 + gridH · gridW)
 * @param attention per layer the probabilities {@code [heads, tokens, tokens]}, first layer first
 * @param options   the fusion and discard ratio used
 */
public record ViTExplanation(List<Classification> top, RgbImage view, int gridH, int gridW, float[] rollout, int heads,
                             int tokens, List<float[]> attention, RolloutOptions options) {
    /**
     * Copies the lists and checks the rollout's length.
     *
     * @param top       the top-k classes
     * @param view      the image the model saw
     * @param gridH     patch rows
     * @param gridW     patch columns
     * @param rollout   {@code [gridH, gridW]}
     * @param heads     heads per layer
     * @param tokens    tokens per layer
     * @param attention per layer {@code [heads, tokens, tokens]}
     * @param options   the fusion and discard ratio used
     * @throws HeedException {@link dev.heed.ErrorCode#SHAPE_MISMATCH} when the rollout does not hold {@code gridH · gridW} values
     */
    public ViTExplanation {
        top = List.copyOf(top);
        attention = List.copyOf(attention);
        if (rollout.length != gridH * gridW) throw HeedException.shape("explain", "rollout of " + rollout.length + " values is not [" + gridH + ", " + gridW + "]");
    }

    /**
     * Computes the rollout of captured attention.
     *
     * @param top  the top-k classes of the run
     * @param view the image the model saw
     * @param a    the run's captured attention
     * @param o    how heads are fused and how much is discarded
     * @return the explanation
     * @throws HeedException UNSUPPORTED when the tokens are not one class token plus a square patch grid
     */
    public static ViTExplanation of(List<Classification> top, RgbImage view, AttentionCapture.Result a, RolloutOptions o) {
        int patches = a.tokens() - 1;
        int side = (int) Math.round(Math.sqrt(patches));
        if (patches < 1 || side * side != patches) {
            throw HeedException.unsupported("explain: " + a.tokens() + " tokens per attention map are not one class token plus a square patch grid",
                    "1 + n² tokens (a ViT with a CLS token)");
        }
        return new ViTExplanation(top, view, side, side, roll(a.layers(), a.heads(), a.tokens(), o), a.heads(), a.tokens(), a.layers(), o);
    }

    /**
     * The same run rolled out with other options (no model run: the captured attention is reused).
     *
     * @param o the new fusion and discard ratio
     * @return a new explanation
     */
    public ViTExplanation withOptions(RolloutOptions o) {
        return new ViTExplanation(top, view, gridH, gridW, roll(attention, heads, tokens, o), heads, tokens, attention, o);
    }

    private static float[] roll(List<float[]> layers, int heads, int tokens, RolloutOptions o) {
        double[] cls = Rollout.clsRow(Rollout.matrix(layers, heads, tokens, o.fusion(), o.discardRatio()), tokens);
        float[] r = new float[cls.length];
        for (int i = 0; i < r.length; i++) r[i] = (float) cls[i];
        return r;
    }

    /** {@return the number of layers captured} */
    public int layers() { return attention.size(); }

    /** {@return the index of the strongest rollout cell (row-major, {@code row · gridW + column}; the first on ties)} */
    public int argmax() {
        int best = 0;
        for (int i = 1; i < rollout.length; i++) if (rollout[i] > rollout[best]) best = i;
        return best;
    }

    /** {@return the last layer's CLS → patch probabilities per head: {@code [heads][gridH · gridW]}} */
    public float[][] lastLayerCls() {
        float[] p = attention.getLast();                 // [H, L, L]
        float[][] out = new float[heads][gridH * gridW];
        for (int h = 0; h < heads; h++) System.arraycopy(p, h * tokens * tokens + 1, out[h], 0, gridH * gridW);
        return out;
    }
}
