package dev.heed.text;

import java.util.List;
import java.util.Map;

/**
 * The {@code post_processor} section: where the special tokens go around one or two sequences and which type id
 * each part gets, e.g. BERT's {@code [CLS] A [SEP]} and {@code [CLS] A [SEP] B [SEP]} with B's type id 1.
 * {@code BertProcessing} is read into the same template.
 */
record TemplateProcessor(List<Piece> single, List<Piece> pair, Map<String, Special> specials) {

    TemplateProcessor {
        single = List.copyOf(single);
        pair = List.copyOf(pair);
        specials = Map.copyOf(specials);
    }

    /** One element of a template: a special token or the slot of sequence A / B. */
    sealed interface Piece {
    }

    /** A special token (looked up in {@code specials} by {@code name}) with the type id it gets. */
    record SpecialPiece(String name, int typeId) implements Piece {
    }

    /** The tokens of sequence A ({@code second == false}) or B, with the type id they get. */
    record SequencePiece(boolean second, int typeId) implements Piece {
    }

    /** A special token definition: one name may stand for several ids. */
    record Special(String name, int[] ids, String[] tokens) {
    }

    /** How many special tokens the template adds for one or two sequences. */
    int addedTokens(boolean isPair) {
        int n = 0;
        for (Piece p : isPair ? pair : single) {
            if (p instanceof SpecialPiece sp) {
                n += specials.get(sp.name()).ids().length;
            }
        }
        return n;
    }
}
