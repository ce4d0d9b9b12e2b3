package dev.heed.cli;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code heed} command line. Each subcommand lives in its own class; this one wires them and owns the one place
 * where failures become messages ({@link Errors}): one short line per error, no stack trace unless {@code --debug}
 * or {@code HEED_DEBUG=1}.
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
        footerHeading = "%nExit codes:%n",
        footer = {"  0  success",
                  "  2  bad usage or bad input (an option out of range, a missing or malformed file, an unwritable output path)",
                  "  1  failure while running (out of memory, a write that failed midway, a bug in Heed)",
                  "  3  inspect only: the model uses operators Heed does not support",
                  "Errors are one line; add --debug (or set HEED_DEBUG=1) for the Java stack trace."},
        subcommands = {SelfCheckCommand.class, InspectCommand.class, RunCommand.class, BenchCommand.class, DetectCommand.class, ClassifyCommand.class, AttendCommand.class, EmbedCommand.class, SimilarityCommand.class, ServeCommand.class, ModelsCommand.class, CommandLine.HelpCommand.class})
public final class HeedCli implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @CommandLine.Option(names = "--debug", scope = CommandLine.ScopeType.INHERIT,
            description = "Print the Java stack trace of an error (also: HEED_DEBUG=1).")
    boolean debug;

    /** Set by {@link #commandLine(boolean, boolean)}: whether progress may redraw a line in place. */
    boolean stderrTerminal;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /** The command line with Heed's error handling; stack traces only with {@code --debug}. */
    public static CommandLine commandLine() {
        return commandLine(false, false);
    }

    /**
     * The command line with Heed's error handling.
     *
     * @param debugAlways    print stack traces even without {@code --debug} (HEED_DEBUG=1)
     * @param stderrTerminal standard error is a terminal: progress bars are drawn live, else printed as plain lines
     */
    public static CommandLine commandLine(boolean debugAlways, boolean stderrTerminal) {
        HeedCli root = new HeedCli();
        root.stderrTerminal = stderrTerminal;
        CommandLine cl = new CommandLine(root);
        Errors errors = new Errors(debugAlways);
        cl.setExecutionExceptionHandler(errors);
        cl.setParameterExceptionHandler(errors);
        // picocli hands only Exceptions to the handler; errors such as OutOfMemoryError are caught here
        CommandLine.IExecutionStrategy last = new CommandLine.RunLast();
        cl.setExecutionStrategy(parsed -> {
            try {
                return last.execute(parsed);
            } catch (VirtualMachineError e) {
                return errors.handle(e, parsed.asCommandLineList().getLast());
            }
        });
        return cl;
    }

    /** Whether standard error is a terminal, as the command line was told when it was built. */
    static boolean stderrTerminal(CommandLine.Model.CommandSpec spec) {
        return spec.root().userObject() instanceof HeedCli h && h.stderrTerminal;
    }

    /**
     * Runs the CLI. {@code HEED_DEBUG=1} prints stack traces; {@code HEED_STDERR_TTY=1|0} (set by bin/heed, which can
     * test file descriptor 2) says whether standard error is a terminal; without it, the JVM's console decides.
     */
    public static void main(String[] args) {
        boolean debug = flag(System.getenv("HEED_DEBUG"));
        String tty = System.getenv("HEED_STDERR_TTY");
        boolean terminal = tty != null ? flag(tty) : System.console() != null && System.console().isTerminal();
        System.exit(commandLine(debug, terminal).execute(args));
    }

    private static boolean flag(String v) {
        return v != null && !v.isBlank() && !v.equals("0") && !v.equalsIgnoreCase("false");
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
