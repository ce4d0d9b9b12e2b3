package dev.heed.server;

import java.util.HashMap;
import java.util.Map;

/** A parsed Prometheus text exposition: sample name with its labels as written, to value. */
record Metrics(Map<String, Double> samples) {
    static Metrics parse(String text) {
        Map<String, Double> m = new HashMap<>();
        for (String line : text.split("\n")) {
            if (line.isBlank() || line.startsWith("#")) continue;
            int sp = line.lastIndexOf(' ');
            m.put(line.substring(0, sp), Double.parseDouble(line.substring(sp + 1)));
        }
        return new Metrics(m);
    }

    /** The value of {@code name{labels}}, 0 when absent. Labels in the order Micrometer writes them (alphabetical). */
    double get(String nameAndLabels) {
        return samples.getOrDefault(nameAndLabels, 0.0);
    }
}
