package org.adamix.datasets.tokenize;

/**
 * WordPiece: greedy longest-prefix match against the vocabulary, later pieces carrying the
 * continuing prefix ("##"). A word with an unmatched remainder, or longer than {@code
 * maxInputCharsPerWord} code points, becomes the unknown token as a whole.
 */
final class WordPieceModel implements TokenModel {
    private final Vocab vocab;
    private final int[] unk;
    private final String prefix;
    private final int maxInputCharsPerWord;
    private final WordCache cache = new WordCache(WordCache.DEFAULT_CAPACITY);

    WordPieceModel(
            Vocab vocab,
            String unkToken,
            String continuingSubwordPrefix,
            int maxInputCharsPerWord) {
        int unkId = vocab.id(unkToken);
        if (unkId < 0) {
            throw new IllegalArgumentException(
                    "WordPiece unknown token '" + unkToken + "' is not in the vocabulary");
        }
        this.vocab = vocab;
        this.unk = new int[] {unkId};
        this.prefix = continuingSubwordPrefix;
        this.maxInputCharsPerWord = maxInputCharsPerWord;
    }

    @Override
    public Vocab vocab() {
        return vocab;
    }

    @Override
    public int[] tokenize(String word) {
        return cache.get(word, this::split);
    }

    private int[] split(String word) {
        if (word.codePointCount(0, word.length()) > maxInputCharsPerWord) {
            return unk;
        }
        IntList pieces = new IntList(4);
        int start = 0;
        while (start < word.length()) {
            int end = word.length();
            Integer id = null;
            while (start < end) {
                String sub = word.substring(start, end);
                id = vocab.idOrNull(start == 0 ? sub : prefix + sub);
                if (id != null) {
                    break;
                }
                end = word.offsetByCodePoints(end, -1);
            }
            if (id == null) {
                return unk;
            }
            pieces.add(id);
            start = end;
        }
        return pieces.toArray();
    }
}
