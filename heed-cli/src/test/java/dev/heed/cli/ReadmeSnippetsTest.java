package dev.heed.cli;

import static org.junit.jupiter.api.Assertions.*;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Every Java snippet in the README is cut from one of the examples (which bin/test builds and runs): its lines,
 * stripped of indentation, appear as consecutive lines of an example's source. So a snippet cannot drift from code
 * that compiles and runs.
 */
class ReadmeSnippetsTest {
    static final Path ROOT = Path.of("..").toAbsolutePath().normalize();

    static List<String> stripped(String text) {
        return text.lines().map(String::strip).filter(l -> !l.isEmpty()).toList();
    }

    @Test
    void everyJavaSnippetIsCutFromAnExample() throws IOException {
        String readme = Files.readString(ROOT.resolve("README.md"));
        List<List<String>> sources = new ArrayList<>();
        try (Stream<Path> s = Files.walk(ROOT.resolve("examples"))) {
            for (Path p : s.filter(p -> p.toString().endsWith(".java")).toList()) sources.add(stripped(Files.readString(p)));
        }
        assertEquals(4, sources.size(), "the four examples");
        Matcher m = Pattern.compile("```java\\n(.*?)```", Pattern.DOTALL).matcher(readme);
        int snippets = 0;
        while (m.find()) {
            snippets++;
            List<String> snippet = stripped(m.group(1));
            boolean found = sources.stream().anyMatch(src -> java.util.Collections.indexOfSubList(src, snippet) >= 0);
            assertTrue(found, "README snippet not found in any example:\n" + m.group(1));
        }
        assertTrue(snippets >= 3, "the README's Java snippets: " + snippets);
    }
}
