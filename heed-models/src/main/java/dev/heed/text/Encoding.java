package dev.heed.text;

import java.util.Arrays;

/**
 * The result of tokenising one text (or one pair of texts): parallel arrays, one entry per token, padding included.
 * <ul>
 *   <li>{@code ids} — vocabulary ids, the model's {@code input_ids};</li>
 *   <li>{@code typeIds} — segment ids ({@code token_type_ids}): 0 for the first text, 1 for the second;</li>
 *   <li>{@code attentionMask} — 1 for real tokens, 0 for padding;</li>
 *   <li>{@code tokens} — the token strings ({@code "##ing"}, {@code "[CLS]"}, ...);</li>
 *   <li>{@code starts}, {@code ends} — the token's range of UTF-16 indices in the ORIGINAL text it came from
 *       (the first or second text, see {@code sequenceIds}); {@code 0, 0} for special and padding tokens;</li>
 *   <li>{@code specialTokensMask} — 1 for tokens the post-processor or padding added, 0 for tokens of the text;</li>
 *   <li>{@code sequenceIds} — 0 or 1: which text the token came from; -1 for added special and padding tokens.</li>
 * </ul>
 * The arrays are not copied: treat them as read-only. Equality is by identity, as for any record of arrays.
 *
 * <pre>{@code
 * Encoding e = tokenizer.encode("Héllo world");
 * int[] inputIds = e.ids();                 // [101, 7592, 2088, 102]
 * String word = text.substring(e.starts()[1], e.ends()[1]);   // "Héllo"
 * }</pre>
 *
 * @param ids               vocabulary ids ({@code input_ids})
 * @param typeIds           segment ids ({@code token_type_ids}), 0 or 1
 * @param attentionMask     1 for real tokens, 0 for padding
 * @param tokens            the token strings
 * @param starts            first UTF-16 index of each token in its original text (0 for special and padding tokens)
 * @param ends              UTF-16 index after each token in its original text (0 for special and padding tokens)
 * @param specialTokensMask 1 for added special and padding tokens, 0 for tokens of the text
 * @param sequenceIds       0 or 1, the text a token came from; -1 for added special and padding tokens
 */
public record Encoding(int[] ids, int[] typeIds, int[] attentionMask, String[] tokens, int[] starts, int[] ends,
                       int[] specialTokensMask, int[] sequenceIds) {

    /** {@return the number of tokens, padding included} */
    public int length() {
        return ids.length;
    }

    @Override
    public String toString() {
        return "Encoding" + Arrays.toString(tokens) + " ids=" + Arrays.toString(ids);
    }
}
