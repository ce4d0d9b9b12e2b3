package dev.heed.modulepath;

import dev.heed.onnx.Session;
import dev.heed.onnx.ir.Node;
import dev.heed.text.TextEncoder;
import dev.heed.text.TextEncoderOptions;
import java.lang.reflect.InvocationTargetException;
import java.nio.file.Path;
import java.util.Locale;

/**
 * Run by {@link ModulePathTest} in a child JVM, from the class path, with Heed's modules on the module path: prints
 * what the module system says about Heed's packages, whether an internal class can be used, and one embedding.
 */
public final class ModulePathProbe {
    private ModulePathProbe() {}

    public static void main(String[] args) throws ReflectiveOperationException {
        Module onnx = Session.class.getModule();
        System.out.println("module=" + onnx.getName());
        System.out.println("models=" + TextEncoder.class.getModule().getName());
        for (String pkg : new String[] {"dev.heed.onnx", "dev.heed.onnx.ir", "dev.heed.onnx.ops", "dev.heed.onnx.optimize",
                "dev.heed.onnx.ops.fused", "dev.heed.onnx.ops.nn", "dev.heed.onnx.ops.quant"}) {
            System.out.println("exported " + pkg + "=" + onnx.isExported(pkg));
        }
        Class<?> fused = Class.forName("dev.heed.onnx.ops.fused.FusedGeluOp");
        try {
            fused.getConstructor(Node.class).newInstance((Object) null);
            System.out.println("internal=usable");
        } catch (IllegalAccessException e) {
            System.out.println("internal=refused");
        } catch (InvocationTargetException e) {
            System.out.println("internal=usable");
        }
        try (TextEncoder enc = TextEncoder.defaultModel(TextEncoderOptions.defaults(Path.of(args[0])))) {
            float[] v = enc.embed(args[1]);
            StringBuilder sb = new StringBuilder("embedding=");
            for (float x : v) sb.append(String.format(Locale.ROOT, "%.9e,", x));
            System.out.println(sb);
        }
    }
}
