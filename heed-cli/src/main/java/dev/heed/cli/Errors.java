package dev.heed.cli;

import dev.heed.ErrorCode;
import dev.heed.HeedException;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import picocli.CommandLine;

/**
 * The CLI's single error handler (picocli's parameter and execution exception handler): every failure becomes one
 * short line on standard error and an exit code. Exit codes: {@link #USAGE} (2) for bad usage or bad input,
 * {@link #FAILURE} (1) for a failure while running. The stack trace is printed only with {@code --debug} or
 * {@code HEED_DEBUG=1}.
 */
final class Errors implements CommandLine.IExecutionExceptionHandler, CommandLine.IParameterExceptionHandler {
    /** Bad usage or bad input: an option out of range, a missing or malformed file, an unwritable output. */
    static final int USAGE = 2;
    /** A failure while running: out of memory, a write that failed midway, a bug. */
    static final int FAILURE = 1;

    private final boolean debugAlways;

    Errors(boolean debugAlways) {
        this.debugAlways = debugAlways;
    }

    @Override
    public int handleParseException(CommandLine.ParameterException ex, String[] args) {
        CommandLine cmd = ex.getCommandLine();
        PrintWriter err = cmd.getErr();
        if (debug(cmd)) ex.printStackTrace(err);
        String name = cmd.getCommandSpec().qualifiedName();
        err.println(name + ": " + oneLine(ex.getMessage()));
        if (ex instanceof CommandLine.UnmatchedArgumentException u && !u.getSuggestions().isEmpty()) {
            err.println("Did you mean: " + String.join(" or ", u.getSuggestions().subList(0, Math.min(3, u.getSuggestions().size()))) + "?");
        }
        err.println("Try '" + name + " --help' for the options and their ranges.");
        err.flush();
        return USAGE;
    }

    @Override
    public int handleExecutionException(Exception ex, CommandLine cmd, CommandLine.ParseResult parsed) {
        return handle(ex, cmd);
    }

    /** Also used for errors ({@link OutOfMemoryError}) that picocli does not route to the handler. */
    int handle(Throwable ex, CommandLine cmd) {
        PrintWriter err = cmd.getErr();
        if (debug(cmd)) ex.printStackTrace(err);
        Throwable t = ex instanceof UncheckedIOException u && u.getCause() != null ? u.getCause() : ex;
        int code;
        String msg;
        if (t instanceof HeedException he) {
            code = he.code() == ErrorCode.INTERNAL ? FAILURE : USAGE;
            msg = he.code() + ": " + oneLine(he.getMessage());
        } else if (t instanceof IOException io) {
            code = FAILURE;
            msg = "IO: " + describe(io);
        } else if (t instanceof OutOfMemoryError oom) {
            code = FAILURE;
            msg = "out of memory (" + oom.getMessage() + "); give Java more heap with HEED_JAVA_OPTS=-Xmx8g, or use fewer threads or smaller inputs";
        } else {
            code = FAILURE;
            msg = "unexpected failure, a bug in Heed (" + t.getClass().getSimpleName().replace("Exception", "")
                    + (t.getMessage() == null ? "" : ": " + oneLine(t.getMessage()))
                    + "); run again with --debug and report the stack trace";
        }
        err.println("heed: " + msg);
        err.flush();
        cmd.getOut().flush();
        return code;
    }

    /** A file-system error as "PATH: reason" without the exception's class name. */
    static String describe(IOException io) {
        if (io instanceof NoSuchFileException f) return f.getFile() + ": no such file or directory";
        if (io instanceof AccessDeniedException f) return f.getFile() + ": permission denied";
        if (io instanceof FileSystemException f) return f.getFile() + ": " + (f.getReason() == null ? "cannot access" : f.getReason());
        return io.getMessage() == null ? "input/output error" : oneLine(io.getMessage());
    }

    /** Messages are one line: a multi-line message keeps its first line and says how much was left out. */
    static String oneLine(String s) {
        if (s == null) return "";
        String t = s.strip();
        int nl = t.indexOf('\n');
        String first = nl < 0 ? t : t.substring(0, nl).stripTrailing() + " (…)";
        return first.length() <= 600 ? first : first.substring(0, 600) + " (…)";
    }

    private boolean debug(CommandLine cmd) {
        if (debugAlways) return true;
        CommandLine root = cmd;
        while (root.getParent() != null) root = root.getParent();
        for (CommandLine.ParseResult pr = root.getParseResult(); pr != null; pr = pr.subcommand()) {
            if (pr.hasMatchedOption("--debug")) return true;
        }
        return false;
    }
}
