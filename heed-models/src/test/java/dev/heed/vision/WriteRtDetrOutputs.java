package dev.heed.vision;

import dev.heed.tensor.Tensor;
import dev.heed.tensor.io.Npy;

import java.nio.file.Path;

/**
 * Writes ONNX Runtime's {@code output0} of the RT-DETR fixture for the sample images (Heed's OpenCV-exact
 * pre-processing, ORT as the model), the input of {@code heed-models/src/test/python/rtdetr_golden.py}. Not a test:
 * run it by hand from heed-models/ after changing the fixture, then the Python script, then commit both:
 *
 * <pre>
 * ./mvnw -o -q -pl heed-models test-compile dependency:build-classpath -Dmdep.outputFile=target/test.classpath -Dmdep.includeScope=test
 * cd heed-models && java --add-modules jdk.incubator.vector \
 *     -cp "$(cat target/test.classpath):target/classes:target/test-classes" dev.heed.vision.WriteRtDetrOutputs
 * cd .. && /usr/bin/python3 heed-models/src/test/python/rtdetr_golden.py
 * </pre>
 */
final class WriteRtDetrOutputs {
    static final Path MODEL = Path.of("../heed-onnx/src/test/resources/models/rtdetr_tiny_opset17.onnx");
    static final String[] IMAGES = {"bus.jpg", "zidane.jpg"};

    static Path outputNpy(String image) {
        return Path.of("src/test/resources/vision/e2e/rtdetr_" + image.replace(".jpg", "") + "_output0.npy");
    }

    /** ORT's output0 [1, 300, 84] for one sample image. */
    static Tensor ortOutput0(OrtOracle ort, String image) {
        RgbImage img = Images.read(VisionTestData.sharedImage(image));
        return ort.run("images", Preprocess.stretchToSquare(img, 640), "output0");
    }

    public static void main(String[] args) {
        try (OrtOracle ort = new OrtOracle(MODEL)) {
            for (String image : IMAGES) {
                Tensor out = ortOutput0(ort, image);
                Npy.write(outputNpy(image), out);
                System.out.println(image + " -> " + outputNpy(image) + " " + out.shape());
            }
        }
    }
}
