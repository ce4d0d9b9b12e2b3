package dev.heed.cli;

import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;

/**
 * Range checks for numeric options, run at the start of a command before any work: a value outside its documented
 * range is a usage error (exit 2) that names the option, the allowed range and the value given.
 */
final class Check {
    private Check() {}

    /** {@code min <= value <= max}, else a usage error. */
    static int range(CommandSpec spec, String option, int value, int min, int max) {
        if (value < min || value > max) {
            throw usage(spec, option + " must be " + (max == Integer.MAX_VALUE ? "at least " + min : "between " + min + " and " + max)
                    + ", got " + value);
        }
        return value;
    }

    /** {@code min < value <= max} (a half-open range, as for probabilities), else a usage error. */
    static float aboveAtMost(CommandSpec spec, String option, float value, float min, float max) {
        if (!(value > min && value <= max)) {
            throw usage(spec, option + " must be greater than " + min + " and at most " + max + ", got " + value);
        }
        return value;
    }

    /** A usage error (exit 2) for the command. */
    static CommandLine.ParameterException usage(CommandSpec spec, String message) {
        return new CommandLine.ParameterException(spec.commandLine(), message);
    }
}
