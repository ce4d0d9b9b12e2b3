package dev.heed.vision;

import dev.heed.ErrorCode;
import dev.heed.HeedException;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Class id → name. From an Ultralytics ONNX export's {@code metadata_props["names"]} (a Python dict literal such
 * as {@code "{0: 'person', 1: 'bicycle'}"}), from a label file (one name per line), or the built-in COCO-80 and
 * ImageNet-1k lists. Unknown ids get the name {@code "class<id>"}.
 *
 * <pre>{@code
 * ClassNames names = ClassNames.fromMetadata(session.metadata());   // falls back to COCO-80
 * String n = names.name(0);                                         // "person"
 * }</pre>
 */
public final class ClassNames {
    private final Map<Integer, String> names;   // sorted by id

    private ClassNames(Map<Integer, String> names) {
        this.names = Collections.unmodifiableMap(new TreeMap<>(names));
    }

    /**
     * Names from a list: id = position.
     *
     * @param names the names, id 0 first
     * @return the names
     */
    public static ClassNames of(List<String> names) {
        Map<Integer, String> m = new TreeMap<>();
        for (int i = 0; i < names.size(); i++) m.put(i, names.get(i));
        return new ClassNames(m);
    }

    /**
     * Names from an explicit id → name map.
     *
     * @param names id → name; ids need not be contiguous
     * @return the names
     */
    public static ClassNames of(Map<Integer, String> names) {
        return new ClassNames(names);
    }

    /** {@return the 80 COCO class names in Ultralytics' order (ids 0..79)} */
    public static ClassNames coco80() {
        return of(List.of(COCO80));
    }

    /** {@return the 1000 ImageNet-1k class names in the standard (torchvision) order} */
    public static ClassNames imagenet1k() {
        try (InputStream in = ClassNames.class.getResourceAsStream("imagenet1k.txt")) {
            if (in == null) throw new HeedException(ErrorCode.INTERNAL, "ClassNames: resource imagenet1k.txt is missing from the jar");
            return of(lines(new String(in.readAllBytes(), StandardCharsets.UTF_8)));
        } catch (IOException e) {
            throw new HeedException(ErrorCode.IO, "ClassNames: cannot read imagenet1k.txt: " + e.getMessage(), e);
        }
    }

    /**
     * One name per line (blank trailing lines ignored), id = line number from 0.
     *
     * @param file a UTF-8 text file
     * @return the names
     * @throws HeedException {@link ErrorCode#IO} when the file cannot be read
     */
    public static ClassNames fromFile(Path file) {
        try {
            return of(lines(Files.readString(file, StandardCharsets.UTF_8)));
        } catch (IOException e) {
            throw new HeedException(ErrorCode.IO, "ClassNames: cannot read " + file + ": " + e.getMessage(), e);
        }
    }

    /**
     * The class names an Ultralytics export stores: {@code metadata.get("names")} parsed as a Python dict literal.
     *
     * @param metadata a model's metadata_props
     * @return the names, or COCO-80 when absent or blank
     * @throws HeedException {@link ErrorCode#MALFORMED_INPUT} when the value is not a dict or list literal
     */
    public static ClassNames fromMetadata(Map<String, String> metadata) {
        String s = metadata == null ? null : metadata.get("names");
        if (s == null || s.isBlank()) return coco80();
        return parsePythonDict(s);
    }

    /**
     * Parses {@code {0: 'person', 1: "it's", 2: 'a\\'b'}}: integer keys (any order, optional sign and spaces),
     * single- or double-quoted string values with Python escapes, optional trailing comma. A list literal
     * {@code ['a', 'b']} is accepted too.
     *
     * @param s the literal
     * @return the names
     * @throws HeedException {@link ErrorCode#MALFORMED_INPUT} naming the position where the literal breaks
     */
    public static ClassNames parsePythonDict(String s) {
        return new DictParser(s).parse();
    }

    /**
     * The name of a class.
     *
     * @param id the class id
     * @return its name, or {@code "class<id>"} if unknown
     */
    public String name(int id) {
        String n = names.get(id);
        return n != null ? n : "class" + id;
    }

    /** {@return the number of named classes} */
    public int size() { return names.size(); }

    /** {@return id → name, sorted by id, unmodifiable} */
    public Map<Integer, String> asMap() { return names; }

    @Override
    public String toString() {
        return "ClassNames[" + names.size() + "]";
    }

    private static List<String> lines(String text) {
        List<String> out = new ArrayList<>(text.lines().map(l -> l.endsWith("\r") ? l.substring(0, l.length() - 1) : l).toList());
        while (!out.isEmpty() && out.getLast().isBlank()) out.removeLast();
        return out;
    }

    /** A tiny recursive-descent reader for the subset of Python literals Ultralytics writes. */
    private static final class DictParser {
        private final String s;
        private int p;

        DictParser(String s) { this.s = s; }

        ClassNames parse() {
            ws();
            Map<Integer, String> m = new TreeMap<>();
            if (peek() == '[') {
                p++;
                int i = 0;
                while (true) {
                    ws();
                    if (peek() == ']') { p++; break; }
                    m.put(i++, string());
                    ws();
                    if (peek() == ',') { p++; continue; }
                    expect(']');
                    break;
                }
            } else {
                expect('{');
                while (true) {
                    ws();
                    if (peek() == '}') { p++; break; }
                    int key = integer();
                    ws();
                    expect(':');
                    ws();
                    String v = string();
                    if (m.put(key, v) != null) throw error("duplicate key " + key);
                    ws();
                    if (peek() == ',') { p++; continue; }
                    expect('}');
                    break;
                }
            }
            ws();
            if (p != s.length()) throw error("unexpected trailing text");
            return new ClassNames(m);
        }

        private int integer() {
            int start = p;
            if (peek() == '-' || peek() == '+') p++;
            while (p < s.length() && Character.isDigit(s.charAt(p))) p++;
            try {
                return Integer.parseInt(s.substring(start, p).replace("+", ""));
            } catch (NumberFormatException e) {
                throw error("expected an integer key");
            }
        }

        private String string() {
            char q = peek();
            if (q != '\'' && q != '"') throw error("expected a quoted name");
            p++;
            StringBuilder sb = new StringBuilder();
            while (true) {
                if (p >= s.length()) throw error("unterminated string");
                char c = s.charAt(p++);
                if (c == q) return sb.toString();
                if (c != '\\') { sb.append(c); continue; }
                if (p >= s.length()) throw error("unterminated escape");
                char e = s.charAt(p++);
                switch (e) {
                    case 'n' -> sb.append('\n');
                    case 't' -> sb.append('\t');
                    case 'r' -> sb.append('\r');
                    case '\\', '\'', '"' -> sb.append(e);
                    case 'x' -> sb.append((char) hex(2));
                    case 'u' -> sb.append((char) hex(4));
                    case 'U' -> sb.appendCodePoint(hex(8));
                    default -> sb.append('\\').append(e);             // Python keeps unknown escapes verbatim
                }
            }
        }

        private int hex(int n) {
            if (p + n > s.length()) throw error("truncated \\x/\\u escape");
            try {
                int v = Integer.parseInt(s.substring(p, p + n), 16);
                p += n;
                return v;
            } catch (NumberFormatException e) {
                throw error("bad hex escape");
            }
        }

        private void ws() {
            while (p < s.length() && Character.isWhitespace(s.charAt(p))) p++;
        }

        private char peek() {
            return p < s.length() ? s.charAt(p) : '\0';
        }

        private void expect(char c) {
            if (peek() != c) throw error("expected '" + c + "'");
            p++;
        }

        private HeedException error(String what) {
            String near = s.substring(Math.max(0, p - 10), Math.min(s.length(), p + 10));
            return new HeedException(ErrorCode.MALFORMED_INPUT, "ClassNames: cannot parse names metadata: " + what
                    + " at character " + p + " (near \"" + near + "\")");
        }
    }

    private static final String[] COCO80 = {
        "person", "bicycle", "car", "motorcycle", "airplane", "bus", "train", "truck", "boat", "traffic light",
        "fire hydrant", "stop sign", "parking meter", "bench", "bird", "cat", "dog", "horse", "sheep", "cow",
        "elephant", "bear", "zebra", "giraffe", "backpack", "umbrella", "handbag", "tie", "suitcase", "frisbee",
        "skis", "snowboard", "sports ball", "kite", "baseball bat", "baseball glove", "skateboard", "surfboard",
        "tennis racket", "bottle", "wine glass", "cup", "fork", "knife", "spoon", "bowl", "banana", "apple",
        "sandwich", "orange", "broccoli", "carrot", "hot dog", "pizza", "donut", "cake", "chair", "couch",
        "potted plant", "bed", "dining table", "toilet", "tv", "laptop", "mouse", "remote", "keyboard", "cell phone",
        "microwave", "oven", "toaster", "sink", "refrigerator", "book", "clock", "vase", "scissors", "teddy bear",
        "hair drier", "toothbrush"
    };
}
