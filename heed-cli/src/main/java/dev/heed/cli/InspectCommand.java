package dev.heed.cli;

import dev.heed.onnx.ModelInfo;
import dev.heed.onnx.Session;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code heed inspect MODEL.onnx}: inputs, outputs, opsets, op counts and every unsupported op, before anything runs. */
@Command(name = "inspect", mixinStandardHelpOptions = true,
        description = "Describes an ONNX model: inputs/outputs with shapes, opsets, op counts, unsupported ops.")
final class InspectCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "MODEL.onnx", description = "The model file.")
    Path model;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        ModelInfo info = Session.inspect(model);
        spec.commandLine().getOut().print(info.report());
        spec.commandLine().getOut().flush();
        return info.unsupported().isEmpty() ? 0 : 3;
    }
}
