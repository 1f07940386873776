package org.adamix.datasets.tokenize;

/**
 * Ids of the special tokens a model needs; -1 where the vocabulary has none. BERT uses cls/sep;
 * RoBERTa and GPT-2 use bos/eos (RoBERTa's cls/sep are the same ids as its bos/eos).
 */
public record SpecialTokens(int cls, int sep, int pad, int unk, int mask, int bos, int eos) {

    /** Looks up the usual names of each special token in a vocabulary. */
    static SpecialTokens find(java.util.function.ToIntFunction<String> idOf) {
        int cls = first(idOf, "[CLS]", "<s>");
        int sep = first(idOf, "[SEP]", "</s>");
        int pad = first(idOf, "[PAD]", "<pad>");
        int unk = first(idOf, "[UNK]", "<unk>");
        int mask = first(idOf, "[MASK]", "<mask>");
        int bos = first(idOf, "<s>", "<|endoftext|>", "[CLS]");
        int eos = first(idOf, "</s>", "<|endoftext|>", "[SEP]");
        return new SpecialTokens(cls, sep, pad, unk, mask, bos, eos);
    }

    private static int first(java.util.function.ToIntFunction<String> idOf, String... names) {
        for (String name : names) {
            int id = idOf.applyAsInt(name);
            if (id >= 0) {
                return id;
            }
        }
        return -1;
    }
}
