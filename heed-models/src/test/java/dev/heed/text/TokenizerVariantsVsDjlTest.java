package dev.heed.text;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The other supported configurations, checked against the reference the same way: the all-MiniLM tokenizer.json
 * with one section swapped (cased BERT normaliser, NFD/NFKD/Lowercase/StripAccents sequences, Whitespace and
 * WhitespaceSplit pre-tokenisers, BertProcessing, left truncation and padding, a normalised added token with
 * stripping). Every corpus line, single and paired, and the corpus in batches.
 */
class TokenizerVariantsVsDjlTest {
    static ObjectNode base;
    static final ObjectMapper JSON = new ObjectMapper();

    @BeforeAll
    static void load() throws IOException {
        TokenizerVsDjlTest.load();
        try (InputStream in = TokenizerVsDjlTest.resource(TokenizerVsDjlTest.JSON)) {
            base = (ObjectNode) JSON.readTree(in);
        }
    }

    static Arguments variant(String name, Consumer<ObjectNode> edit) {
        return Arguments.of(name, edit);
    }

    static ObjectNode obj(String json) {
        try {
            return (ObjectNode) JSON.readTree(json);
        } catch (IOException e) {
            throw new IllegalArgumentException(json, e);
        }
    }

    static Stream<Arguments> variants() {
        return Stream.of(
                variant("BertNormalizer keeping accents", j -> ((ObjectNode) j.get("normalizer"))
                        .put("strip_accents", false)),
                variant("BertNormalizer cased", j -> ((ObjectNode) j.get("normalizer")).put("lowercase", false)),
                variant("BertNormalizer without clean_text and CJK handling", j -> ((ObjectNode) j.get("normalizer"))
                        .put("clean_text", false).put("handle_chinese_chars", false)),
                variant("Sequence[NFD, Lowercase, StripAccents] + Whitespace", j -> {
                    j.set("normalizer", obj("{\"type\": \"Sequence\", \"normalizers\": [{\"type\": \"NFD\"},"
                            + " {\"type\": \"Lowercase\"}, {\"type\": \"StripAccents\"}]}"));
                    j.set("pre_tokenizer", obj("{\"type\": \"Whitespace\"}"));
                }),
                variant("NFKD + WhitespaceSplit", j -> {
                    j.set("normalizer", obj("{\"type\": \"NFKD\"}"));
                    j.set("pre_tokenizer", obj("{\"type\": \"WhitespaceSplit\"}"));
                }),
                variant("pre_tokenizer Sequence[WhitespaceSplit, BertPreTokenizer]", j -> j.set("pre_tokenizer",
                        obj("{\"type\": \"Sequence\", \"pretokenizers\": [{\"type\": \"WhitespaceSplit\"},"
                                + " {\"type\": \"BertPreTokenizer\"}]}"))),
                variant("BertProcessing, left truncation at 24, left padding to multiples of 8", j -> {
                    j.set("post_processor", obj("{\"type\": \"BertProcessing\", \"sep\": [\"[SEP]\", 102],"
                            + " \"cls\": [\"[CLS]\", 101]}"));
                    j.set("truncation", obj("{\"direction\": \"Left\", \"max_length\": 24,"
                            + " \"strategy\": \"LongestFirst\", \"stride\": 0}"));
                    j.set("padding", obj("{\"strategy\": \"BatchLongest\", \"direction\": \"Left\","
                            + " \"pad_to_multiple_of\": 8, \"pad_id\": 0, \"pad_type_id\": 1, \"pad_token\": \"[PAD]\"}"));
                }),
                variant("normalised added tokens with lstrip / rstrip", j -> {
                    ArrayNode added = (ArrayNode) j.get("added_tokens");
                    added.add(obj("{\"id\": 30522, \"content\": \"Quick Brown\", \"single_word\": false,"
                            + " \"lstrip\": true, \"rstrip\": true, \"normalized\": true, \"special\": false}"));
                    added.add(obj("{\"id\": 30523, \"content\": \"<eos>\", \"single_word\": false,"
                            + " \"lstrip\": false, \"rstrip\": true, \"normalized\": false, \"special\": true}"));
                }));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("variants")
    void variantMatchesReference(String name, Consumer<ObjectNode> edit) throws IOException {
        ObjectNode json = base.deepCopy();
        edit.accept(json);
        byte[] bytes = JSON.writeValueAsBytes(json);
        Tokenizer ours = Tokenizer.read(new ByteArrayInputStream(bytes));
        // DJL does not pad single inputs to a fixed length from the file: compare with batch-longest padding there
        if (ours.padding().isPresent() && ours.padding().get().strategy() == TokenizerConfig.Padding.Strategy.FIXED) {
            ours = ours.withPadding(ours.padding().get().batchLongest());
        }
        List<String> corpus = new ArrayList<>(TokenizerVsDjlTest.corpus);
        corpus.add("a quick brown fox, the QUICK   BROWN one and quick brownie <eos>   x<eos>y");
        try (HuggingFaceTokenizer ref = HuggingFaceTokenizer.newInstance(new ByteArrayInputStream(bytes),
                Map.of())) {
            List<String> failures = new ArrayList<>();
            int n = corpus.size();
            for (int i = 0; i < n; i++) {
                String a = corpus.get(i);
                String b = corpus.get((i * 7 + 3) % n);
                TokenizerVsDjlTest.compare(a, null, ours.encode(a), ref.encode(a), failures);
                TokenizerVsDjlTest.compare(a, b, ours.encode(a, b), ref.encode(a, b), failures);
            }
            for (int i = 0; i < n; i += 8) {
                List<String> batch = corpus.subList(i, Math.min(n, i + 8));
                List<Encoding> got = ours.encodeBatch(batch);
                ai.djl.huggingface.tokenizers.Encoding[] want = ref.batchEncode(batch);
                for (int k = 0; k < want.length; k++) {
                    TokenizerVsDjlTest.compare(batch.get(k), null, got.get(k), want[k], failures);
                }
            }
            TokenizerVsDjlTest.report(name, n, failures);
        }
    }
}
