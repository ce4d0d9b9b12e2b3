package dev.heed.fuzz;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.heed.text.Encoding;
import dev.heed.text.Tokenizer;
import dev.heed.text.TokenizerConfig;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * Fuzzes tokenizer.json loading and encoding, structure-aware: a valid BERT-style tokenizer.json is parsed into
 * a JSON tree, the fuzzer picks nodes and rewrites them (numbers to boundary values, strings to its own text,
 * keys removed, types swapped), then the result is loaded and used to encode, pair-encode, batch-encode and
 * decode text the fuzzer also chooses. Seeds: {@code TokenizerFuzzTestInputs/tokenizer/}.
 */
class TokenizerFuzzTest {
    static final ObjectMapper JSON = new ObjectMapper();
    static final String SEED = """
            {"version": "1.0",
             "truncation": {"direction": "Right", "max_length": 16, "strategy": "LongestFirst", "stride": 0},
             "padding": {"strategy": "BatchLongest", "direction": "Right", "pad_to_multiple_of": 4, "pad_id": 0,
                         "pad_type_id": 0, "pad_token": "[PAD]"},
             "added_tokens": [{"id": 0, "content": "[PAD]", "special": true, "normalized": false},
                              {"id": 1, "content": "[UNK]", "special": true, "normalized": false},
                              {"id": 2, "content": "[CLS]", "special": true, "normalized": false},
                              {"id": 3, "content": "[SEP]", "special": true, "normalized": false}],
             "normalizer": {"type": "BertNormalizer", "clean_text": true, "handle_chinese_chars": true,
                            "strip_accents": null, "lowercase": true},
             "pre_tokenizer": {"type": "BertPreTokenizer"},
             "post_processor": {"type": "TemplateProcessing",
                 "single": [{"SpecialToken": {"id": "[CLS]", "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}},
                            {"SpecialToken": {"id": "[SEP]", "type_id": 0}}],
                 "pair": [{"SpecialToken": {"id": "[CLS]", "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}},
                          {"SpecialToken": {"id": "[SEP]", "type_id": 0}}, {"Sequence": {"id": "B", "type_id": 1}},
                          {"SpecialToken": {"id": "[SEP]", "type_id": 1}}],
                 "special_tokens": {"[CLS]": {"id": "[CLS]", "ids": [2], "tokens": ["[CLS]"]},
                                    "[SEP]": {"id": "[SEP]", "ids": [3], "tokens": ["[SEP]"]}}},
             "decoder": {"type": "WordPiece", "prefix": "##", "cleanup": true},
             "model": {"type": "WordPiece", "unk_token": "[UNK]", "continuing_subword_prefix": "##",
                       "max_input_chars_per_word": 100,
                       "vocab": {"[PAD]": 0, "[UNK]": 1, "[CLS]": 2, "[SEP]": 3, "the": 4, "cat": 5, "##s": 6,
                                 "un": 7, "##aff": 8, "##able": 9, "a": 10, "##a": 11, "中": 12, ".": 13, "é": 14}}}""";

    static final long[] INTERESTING = {0, 1, -1, 2, 3, 4, 16, 100, 127, 128, 255, 256, 1024, 65535, 65536, 1 << 17,
        (1 << 17) + 1, Integer.MAX_VALUE, Integer.MIN_VALUE, (long) Integer.MAX_VALUE + 1, Long.MAX_VALUE, Long.MIN_VALUE};

    static {
        FuzzContract.warmUp(() -> Tokenizer.of(TokenizerConfig.parse(SEED)).encode("warm up, the cats", "unaffable"));
    }

    static String one(FuzzedDataProvider in) {
        return FuzzContract.check("tokenizer", () -> {
            JsonNode root = JSON.readTree(SEED);
            int edits = in.consumeInt(0, 8);
            for (int k = 0; k < edits; k++) mutate(root, in);
            String json = JSON.writeValueAsString(root);
            Tokenizer t = Tokenizer.of(TokenizerConfig.parse(json));
            String a = in.consumeString(200), b = in.consumeString(200);
            Encoding e = t.encode(a);
            t.encode(a, b);
            t.encodeBatch(List.of(a, b, in.consumeRemainingAsString()));
            t.decode(e.ids());
            t.decode(e.ids(), false);
        });
    }

    /** Rewrites one node of the tree, reached by a walk the fuzzer steers. */
    static void mutate(JsonNode root, FuzzedDataProvider in) {
        List<JsonNode> containers = new ArrayList<>();
        collect(root, containers);
        JsonNode parent = containers.get(in.consumeInt(0, containers.size() - 1));
        if (parent instanceof ObjectNode o) {
            List<String> keys = new ArrayList<>();
            for (Iterator<String> it = o.fieldNames(); it.hasNext(); ) keys.add(it.next());
            if (keys.isEmpty()) { o.put(in.consumeString(10), in.consumeInt()); return; }
            String key = keys.get(in.consumeInt(0, keys.size() - 1));
            switch (in.consumeInt(0, 5)) {
                case 0 -> o.remove(key);
                case 1 -> o.set(key, value(o.get(key), in));
                case 2 -> o.put(key, in.consumeString(40));
                case 3 -> o.put(key, INTERESTING[in.consumeInt(0, INTERESTING.length - 1)]);
                case 4 -> o.set(in.consumeString(20), value(o.get(key), in));
                default -> o.putNull(key);
            }
        } else if (parent instanceof ArrayNode a) {
            if (a.isEmpty()) { a.add(in.consumeInt()); return; }
            int i = in.consumeInt(0, a.size() - 1);
            switch (in.consumeInt(0, 3)) {
                case 0 -> a.remove(i);
                case 1 -> a.set(i, value(a.get(i), in));
                case 2 -> a.add(a.get(i).deepCopy());
                default -> a.insert(i, JsonNodeFactory.instance.textNode(in.consumeString(20)));
            }
        }
    }

    /** A replacement of the same kind as {@code old} (mostly), with boundary values. */
    static JsonNode value(JsonNode old, FuzzedDataProvider in) {
        JsonNodeFactory f = JsonNodeFactory.instance;
        if (old != null && old.isNumber() && in.consumeBoolean()) return f.numberNode(INTERESTING[in.consumeInt(0, INTERESTING.length - 1)]);
        if (old != null && old.isTextual() && in.consumeBoolean()) return f.textNode(in.consumeString(30));
        if (old != null && old.isBoolean()) return f.booleanNode(!old.asBoolean());
        return switch (in.consumeInt(0, 5)) {
            case 0 -> f.numberNode(in.consumeLong());
            case 1 -> f.numberNode(in.consumeDouble());
            case 2 -> f.textNode(in.consumeString(30));
            case 3 -> f.arrayNode();
            case 4 -> f.objectNode();
            default -> f.nullNode();
        };
    }

    private static void collect(JsonNode n, List<JsonNode> out) {
        if (n.isContainerNode()) out.add(n);
        if (n.isObject()) for (Map.Entry<String, JsonNode> e : n.properties()) collect(e.getValue(), out);
        else if (n.isArray()) for (JsonNode c : n) collect(c, out);
    }

    @FuzzTest(maxDuration = "30s")
    void tokenizer(FuzzedDataProvider in) {
        one(in);
    }
}
