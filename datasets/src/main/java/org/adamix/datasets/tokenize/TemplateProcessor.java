package org.adamix.datasets.tokenize;

import java.util.List;

/**
 * Last stage of the pipeline: lays out special tokens and the sequences, with their type ids, e.g.
 * {@code [CLS] A [SEP] B [SEP]} with types 0 0 0 1 1 (BERT) or {@code <s> A </s> </s> B </s>}
 * (RoBERTa).
 */
final class TemplateProcessor {

    /** One template element: special token ids, or sequence A (0) / B (1). */
    record Piece(int[] specialIds, int sequence, int typeId) {
        static Piece special(int id, int typeId) {
            return new Piece(new int[] {id}, -1, typeId);
        }

        static Piece sequence(int which, int typeId) {
            return new Piece(null, which, typeId);
        }
    }

    /**
     * No special tokens; the second sequence gets type id 1, as in the reference without a
     * post-processor.
     */
    static final TemplateProcessor NONE =
            new TemplateProcessor(
                    List.of(Piece.sequence(0, 0)),
                    List.of(Piece.sequence(0, 0), Piece.sequence(1, 1)));

    private final List<Piece> single;
    private final List<Piece> pair;

    TemplateProcessor(List<Piece> single, List<Piece> pair) {
        this.single = List.copyOf(single);
        this.pair = List.copyOf(pair);
    }

    static TemplateProcessor bert(int cls, int sep) {
        return new TemplateProcessor(
                List.of(Piece.special(cls, 0), Piece.sequence(0, 0), Piece.special(sep, 0)),
                List.of(
                        Piece.special(cls, 0),
                        Piece.sequence(0, 0),
                        Piece.special(sep, 0),
                        Piece.sequence(1, 1),
                        Piece.special(sep, 1)));
    }

    /** RoBERTa does not use type ids: all 0, as its reference processor gives. */
    static TemplateProcessor roberta(int cls, int sep) {
        return new TemplateProcessor(
                List.of(Piece.special(cls, 0), Piece.sequence(0, 0), Piece.special(sep, 0)),
                List.of(
                        Piece.special(cls, 0),
                        Piece.sequence(0, 0),
                        Piece.special(sep, 0),
                        Piece.special(sep, 0),
                        Piece.sequence(1, 0),
                        Piece.special(sep, 0)));
    }

    /** How many special tokens the template adds: what truncation must leave room for. */
    int addedTokens(boolean isPair) {
        int n = 0;
        for (Piece p : isPair ? pair : single) {
            if (p.specialIds() != null) {
                n += p.specialIds().length;
            }
        }
        return n;
    }

    void apply(IntList a, IntList b, IntList ids, IntList typeIds) {
        for (Piece p : b == null ? single : pair) {
            if (p.specialIds() != null) {
                for (int id : p.specialIds()) {
                    ids.add(id);
                    typeIds.add(p.typeId());
                }
            } else {
                IntList seq = p.sequence() == 0 ? a : b;
                for (int i = 0; i < seq.size(); i++) {
                    ids.add(seq.get(i));
                    typeIds.add(p.typeId());
                }
            }
        }
    }
}
