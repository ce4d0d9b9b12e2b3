package dev.heed.kernel;

/**
 * The one fence around the incubating Vector API ({@code jdk.incubator.vector}).
 *
 * <p>Fast kernels (classes named {@code *Vector}) use the Vector API; their reference twins (classes named
 * {@code *Reference}) are plain Java. Kernel facades ask {@link #available()} once and call the fast
 * kernel only when the module is in the boot layer, so a JVM started without
 * {@code --add-modules jdk.incubator.vector} never loads a Vector API class: results stay correct, just
 * slower, and one warning says why. The {@code bin/heed} launcher always adds the flag.
 */
public final class VectorSupport {
    private VectorSupport() {}

    /** Decided once, when this class initialises; immutable afterwards. */
    private static final class Holder {
        static final boolean AVAILABLE = ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent();

        static {
            if (!AVAILABLE) {
                System.getLogger("dev.heed").log(System.Logger.Level.WARNING,
                        "jdk.incubator.vector is not in the boot layer: Heed uses its scalar reference kernels "
                                + "(correct, much slower). Start the JVM with --add-modules jdk.incubator.vector.");
            }
        }
    }

    /** {@return true when the fast Vector API kernels can be used (decided once per JVM)} */
    public static boolean available() {
        return Holder.AVAILABLE;
    }

    /** {@return a one-line description for {@code selfcheck} and {@code --version}: whether the Vector API is present, and its vector shapes} */
    public static String describe() {
        if (!available()) return "Vector API: absent (scalar reference kernels)";
        return "Vector API: " + VectorShapes.describe();
    }
}
