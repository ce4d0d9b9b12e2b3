package dev.heed.onnx.ops.quant;

import dev.heed.HeedException;
import dev.heed.onnx.ir.Node;
import dev.heed.onnx.ops.Data;
import dev.heed.onnx.ops.HeapCache;
import dev.heed.onnx.ops.Op;
import dev.heed.onnx.ops.OpRegistry;
import dev.heed.tensor.DType;
import dev.heed.tensor.Storage;
import dev.heed.tensor.Tensor;

/**
 * ONNX ConvInteger (int32 result) and QLinearConv (requantised result) for 2-D images {@code X[N, C, H, W]},
 * {@code W[M, C/group, kH, kW]}: strides, dilations, pads, auto_pad, group; weight zero points and scales per
 * tensor or per output channel. A direct loop over the integer values (cost N·M·oH·oW·C/group·kH·kW
 * multiply-adds) — quantised vision models are rare next to the text encoders, so this favours plainness.
 */
final class IntegerConvOps {
    private IntegerConvOps() {}

    private static final String SPATIAL = "auto_pad:string dilations:ints group:int kernel_shape:ints pads:ints strides:ints";

    static void register(OpRegistry.Builder b) {
        b.register("", "ConvInteger", 10, "x, w, x_zero_point?, w_zero_point? -> y | " + SPATIAL, IntegerConvOps::convInteger);
        b.notes("", "ConvInteger", "2-D only; u8/s8 inputs → int32; w_zero_point per tensor or per output channel");
        b.register("", "QLinearConv", 10,
                "x, x_scale, x_zero_point, w, w_scale, w_zero_point, y_scale, y_zero_point, B? -> y | " + SPATIAL,
                IntegerConvOps::qlinearConv);
        b.notes("", "QLinearConv", "2-D only; u8/s8; w_scale / w_zero_point per tensor or per output channel; int32 "
                + "bias; rounded half to even, saturated");
    }

    /** Geometry of one convolution. */
    private record Geometry(int n, int c, int h, int w, int m, int cg, int kh, int kw, int oh, int ow,
                            int sh, int sw, int dh, int dw, int pt, int pl, int group) {}

    private static Geometry geometry(Node node, String op, Tensor x, Tensor w) {
        if (x.rank() != 4 || w.rank() != 4) {
            throw HeedException.unsupported(op + ": x" + x.shape() + ", w" + w.shape() + ": only 2-D convolutions "
                    + "(rank-4 x and w) are implemented", "rank 4");
        }
        int group = (int) node.attrInt("group", 1);
        int n = x.dim(0), c = x.dim(1), h = x.dim(2), wd = x.dim(3);
        int m = w.dim(0), cg = w.dim(1), kh = w.dim(2), kw = w.dim(3);
        if (group <= 0 || c != cg * group || m % group != 0) {
            throw HeedException.shape(op, "x" + x.shape() + ", w" + w.shape() + ", group " + group
                    + ": x.dim(1) must equal w.dim(1)·group and w.dim(0) must divide by group");
        }
        long[] st = ints(node, "strides", 1, 1), di = ints(node, "dilations", 1, 1);
        long[] pads = ints(node, "pads", 0, 0, 0, 0);
        String autoPad = node.attrString("auto_pad", "NOTSET");
        int sh = (int) st[0], sw = (int) st[1], dh = (int) di[0], dw = (int) di[1];
        int ekh = (kh - 1) * dh + 1, ekw = (kw - 1) * dw + 1;
        int pt, pl, pb, pr;
        switch (autoPad) {
            case "NOTSET" -> { pt = (int) pads[0]; pl = (int) pads[1]; pb = (int) pads[2]; pr = (int) pads[3]; }
            case "VALID" -> { pt = pl = pb = pr = 0; }
            case "SAME_UPPER", "SAME_LOWER" -> {
                int th = Math.max(0, ((h + sh - 1) / sh - 1) * sh + ekh - h), tw = Math.max(0, ((wd + sw - 1) / sw - 1) * sw + ekw - wd);
                boolean upper = autoPad.equals("SAME_UPPER");
                pt = upper ? th / 2 : th - th / 2;
                pb = th - pt;
                pl = upper ? tw / 2 : tw - tw / 2;
                pr = tw - pl;
            }
            default -> throw HeedException.unsupported(op + ": auto_pad '" + autoPad + "'", "NOTSET", "VALID", "SAME_UPPER", "SAME_LOWER");
        }
        int oh = (h + pt + pb - ekh) / sh + 1, ow = (wd + pl + pr - ekw) / sw + 1;
        if (oh <= 0 || ow <= 0) throw HeedException.shape(op, "x" + x.shape() + " is smaller than the dilated kernel " + ekh + "×" + ekw);
        return new Geometry(n, c, h, wd, m, cg, kh, kw, oh, ow, sh, sw, dh, dw, pt, pl, group);
    }

    private static long[] ints(Node node, String name, long... dflt) {
        long[] v = node.attrInts(name);
        if (v == null) return dflt;
        if (v.length != dflt.length) {
            throw HeedException.invalid(node.describe(), "attribute '" + name + "' needs " + dflt.length + " values for a 2-D convolution, it has " + v.length);
        }
        return v;
    }

    /** acc[N, M, oH, oW] = Σ (x − xz)·(w − wz[m]) over the receptive field (padding counts as x = xz). */
    private static int[] convolve(Geometry g, QuantSupport.Bytes x, int xz, QuantSupport.Bytes w, int[] wz) {
        int[] acc = new int[g.n() * g.m() * g.oh() * g.ow()];
        int mg = g.m() / g.group();
        int o = 0;
        for (int b = 0; b < g.n(); b++) {
            for (int oc = 0; oc < g.m(); oc++) {
                int grp = oc / mg, z = wz[wz.length == 1 ? 0 : oc];
                for (int oy = 0; oy < g.oh(); oy++) {
                    for (int ox = 0; ox < g.ow(); ox++) {
                        int s = 0;
                        for (int ci = 0; ci < g.cg(); ci++) {
                            int c = grp * g.cg() + ci;
                            for (int ky = 0; ky < g.kh(); ky++) {
                                int iy = oy * g.sh() - g.pt() + ky * g.dh();
                                if (iy < 0 || iy >= g.h()) continue;
                                for (int kx = 0; kx < g.kw(); kx++) {
                                    int ix = ox * g.sw() - g.pl() + kx * g.dw();
                                    if (ix < 0 || ix >= g.w()) continue;
                                    int xv = IntegerConvOps.value(x, ((b * g.c() + c) * g.h() + iy) * g.w() + ix) - xz;
                                    int wv = IntegerConvOps.value(w, ((oc * g.cg() + ci) * g.kh() + ky) * g.kw() + kx) - z;
                                    s += xv * wv;
                                }
                            }
                        }
                        acc[o++] = s;
                    }
                }
            }
        }
        return acc;
    }

    private static int value(QuantSupport.Bytes b, int i) {
        byte v = b.data()[b.offset() + i];
        return b.unsigned() ? v & 0xff : v;
    }

    private static int[] weightZeros(String op, Tensor t, String what, DType type, int m) {
        int[] z = QuantSupport.zeroPoints(op, t, what, type);
        if (z.length != 1 && z.length != m) {
            throw HeedException.shape(op, what + " holds " + z.length + " values; expected 1 or M=" + m + " (per output channel)");
        }
        return z;
    }

    private static Op convInteger(Node node, int opset) {
        String op = node.describe();
        HeapCache wc = new HeapCache();
        return (ctx, in) -> {
            Tensor x = QuantSupport.quant(op, in[0], "x"), w = QuantSupport.quant(op, in[1], "w");
            Geometry g = geometry(node, op, x, w);
            int[] xz = QuantSupport.zeroPoints(op, in.length > 2 ? in[2] : null, "x_zero_point", x.dtype());
            if (xz.length != 1) throw HeedException.shape(op, "x_zero_point must be a scalar, it holds " + xz.length + " values");
            int[] wz = weightZeros(op, in.length > 3 ? in[3] : null, "w_zero_point", w.dtype(), g.m());
            dev.heed.exec.MemoryBudget.reserve(ctx, op + ": output", DType.INT32, new int[] {g.n(), g.m(), g.oh(), g.ow()});
            int[] acc = convolve(g, QuantSupport.bytes(x, null), xz[0], QuantSupport.bytes(w, wc), wz);
            return new Tensor[] {Tensor.ofInts(acc, g.n(), g.m(), g.oh(), g.ow())};
        };
    }

    private static Op qlinearConv(Node node, int opset) {
        String op = node.describe();
        HeapCache wc = new HeapCache();
        return (ctx, in) -> {
            Tensor x = QuantSupport.quant(op, in[0], "x"), w = QuantSupport.quant(op, in[3], "w");
            Geometry g = geometry(node, op, x, w);
            float[] xs = QuantSupport.scales(op, in[1], "x_scale"), ws = QuantSupport.scales(op, in[4], "w_scale"),
                    ys = QuantSupport.scales(op, in[6], "y_scale");
            int[] xz = QuantSupport.zeroPoints(op, in[2], "x_zero_point", x.dtype());
            int[] wz = weightZeros(op, in[5], "w_zero_point", w.dtype(), g.m());
            Tensor yzp = QuantSupport.quant(op, in[7], "y_zero_point");
            int[] yz = QuantSupport.zeroPoints(op, yzp, "y_zero_point", null);
            if (xs.length != 1 || xz.length != 1 || ys.length != 1 || yz.length != 1 || (ws.length != 1 && ws.length != g.m())) {
                throw HeedException.shape(op, "x_scale, x_zero_point, y_scale, y_zero_point must be scalars and w_scale 1 or M="
                        + g.m() + " values; they hold " + xs.length + ", " + xz.length + ", " + ys.length + ", " + yz.length
                        + ", " + ws.length);
            }
            Tensor bias = in.length > 8 ? in[8] : null;
            long[] bv = null;
            if (bias != null) {
                if (bias.dtype() != DType.INT32 || bias.numel() != g.m()) {
                    throw HeedException.shape(op, "B " + bias.dtype() + bias.shape() + " must be int32 [M=" + g.m() + "]");
                }
                bv = bias.toLongArray();
            }
            int[] acc = convolve(g, QuantSupport.bytes(x, null), xz[0], QuantSupport.bytes(w, wc), wz);
            DType out = yzp.dtype();
            Tensor y = Data.alloc(ctx, op, out, new int[] {g.n(), g.m(), g.oh(), g.ow()});
            byte[] yd = ((Storage.ByteArray) y.storage()).data();
            int plane = g.oh() * g.ow();
            for (int i = 0; i < acc.length; i++) {
                int oc = (i / plane) % g.m();
                float mult = xs[0] * ws[ws.length == 1 ? 0 : oc] / ys[0];
                long a = acc[i] + (bv == null ? 0 : bv[oc]);
                yd[i] = (byte) QuantSupport.saturateRound((double) a * mult + yz[0], out);
            }
            return new Tensor[] {y};
        };
    }

}
