package dev.heed.vision;

import dev.heed.ErrorCode;
import dev.heed.HeedException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.*;

class ClassNamesTest {
    @TempDir Path tmp;

    @Test
    void parsesTheUltralyticsMetadataString() {
        ClassNames coco = ClassNames.coco80();
        // exactly how Python's str(dict) prints the names Ultralytics stores in metadata_props
        String s = IntStream.range(0, 80).mapToObj(i -> i + ": '" + coco.name(i) + "'").collect(Collectors.joining(", ", "{", "}"));
        ClassNames parsed = ClassNames.parsePythonDict(s);
        assertEquals(coco.asMap(), parsed.asMap());
        assertEquals(80, parsed.size());
    }

    @Test
    void quotesEscapesWhitespaceAndOrder() {
        ClassNames n = ClassNames.parsePythonDict("{\n  2: \"it's\",\n\t0: 'a\\'b',  1 : 'x\\\\y\\u00e9\\x41', 10: 'far',\n}");
        assertEquals("a'b", n.name(0));
        assertEquals("x\\yéA", n.name(1));
        assertEquals("it's", n.name(2));
        assertEquals("far", n.name(10));
        assertEquals("class3", n.name(3));
        assertEquals(4, n.size());
        assertEquals(Map.of(), ClassNames.parsePythonDict("{}").asMap());
        assertEquals("b", ClassNames.parsePythonDict("['a', \"b\"]").name(1));
    }

    @Test
    void malformedMetadataIsAClearError() {
        for (String bad : new String[] {"{0: 'a'", "{0 'a'}", "{x: 'a'}", "{0: a}", "{0: 'a'} junk", "{0: 'a', 0: 'b'}", "{0: 'a"}) {
            HeedException e = assertThrows(HeedException.class, () -> ClassNames.parsePythonDict(bad), bad);
            assertEquals(ErrorCode.MALFORMED_INPUT, e.code());
            assertTrue(e.getMessage().contains("at character"), e.getMessage());
        }
    }

    @Test
    void metadataFallsBackToCoco() {
        assertEquals("person", ClassNames.fromMetadata(Map.of()).name(0));
        assertEquals("person", ClassNames.fromMetadata(null).name(0));
        assertEquals("person", ClassNames.fromMetadata(Map.of("names", "  ")).name(0));
        assertEquals("zebra", ClassNames.fromMetadata(Map.of("names", "{0: 'zebra'}")).name(0));
    }

    @Test
    void imagenetAndLabelFiles() throws Exception {
        ClassNames in = ClassNames.imagenet1k();
        assertEquals(1000, in.size());
        assertEquals("tench", in.name(0));
        assertEquals("goldfish", in.name(1));
        assertEquals("toilet tissue", in.name(999));
        Path f = Files.writeString(tmp.resolve("labels.txt"), "cat\r\ndog\n\n");
        ClassNames l = ClassNames.fromFile(f);
        assertEquals(2, l.size());
        assertEquals("dog", l.name(1));
        assertEquals(ErrorCode.IO, assertThrows(HeedException.class, () -> ClassNames.fromFile(tmp.resolve("none"))).code());
    }
}
