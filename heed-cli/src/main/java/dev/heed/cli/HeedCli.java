package dev.heed.cli;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code heed} command line. Each subcommand lives in its own class; this one only wires them.
 *
 * <pre>
 * bin/heed selfcheck
 * bin/heed bench attention --impl flash --seq 4096 --heads 12 --dim 64
 * </pre>
 */
@Command(name = "heed",
        mixinStandardHelpOptions = true,
        versionProvider = HeedCli.Version.class,
        description = "Heed: pure-Java self-attention and Transformer inference.",
        subcommands = {SelfCheckCommand.class, InspectCommand.class, RunCommand.class, BenchCommand.class, DetectCommand.class, ClassifyCommand.class, AttendCommand.class, EmbedCommand.class, SimilarityCommand.class, CommandLine.HelpCommand.class})
public final class HeedCli implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    /** Builds the picocli command line with Heed's error handling (HeedException → message, exit 2). */
    public static CommandLine commandLine() {
        CommandLine cl = new CommandLine(new HeedCli());
        cl.setExecutionExceptionHandler((ex, cmd, parsed) -> {
            if (ex instanceof dev.heed.HeedException he) {
                cmd.getErr().println("heed: " + he.code() + ": " + he.getMessage());
                return 2;
            }
            throw ex;
        });
        return cl;
    }

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }

    /** Reads the version Maven wrote into {@code heed-version.properties}. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() throws IOException {
            Properties p = new Properties();
            try (InputStream in = HeedCli.class.getResourceAsStream("/heed-version.properties")) {
                if (in != null) p.load(in);
            }
            return new String[] {
                "heed " + p.getProperty("version", "unknown"),
                "Java " + Runtime.version() + " (" + System.getProperty("java.vm.name") + ")",
                dev.heed.kernel.VectorSupport.describe(),
                Runtime.getRuntime().availableProcessors() + " processors"
            };
        }
    }
}
