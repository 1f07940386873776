package org.adamix.datasets.tokenize;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Byte-pair encoding: start from one symbol per character, then repeatedly merge the adjacent pair
 * whose merge rule has the lowest rank (leftmost first on ties) until no rule applies.
 */
final class BpeModel implements TokenModel {
    /** A merge rule: its rank (priority, lower first) and the id of the merged symbol. */
    private record Merge(int rank, int newId) {}

    private final Vocab vocab;
    private final Map<Long, Merge> merges = new HashMap<>();
    private final int unkId;
    private final String prefix;
    private final String suffix;
    private final boolean fuseUnk;
    private final boolean byteFallback;
    private final boolean ignoreMerges;
    private final WordCache cache = new WordCache(WordCache.DEFAULT_CAPACITY);

    /**
     * @param mergeRules pairs (left, right) in rank order
     * @param unkToken null: characters outside the vocabulary are dropped
     * @param continuingPrefix null or prefix of non-initial symbols
     * @param endOfWordSuffix null or suffix of the final symbol
     */
    BpeModel(
            Vocab vocab,
            List<String[]> mergeRules,
            String unkToken,
            String continuingPrefix,
            String endOfWordSuffix,
            boolean fuseUnk,
            boolean byteFallback,
            boolean ignoreMerges) {
        this.vocab = vocab;
        this.unkId = unkToken == null ? -1 : vocab.id(unkToken);
        if (unkToken != null && unkId < 0) {
            throw new IllegalArgumentException(
                    "BPE unknown token '" + unkToken + "' is not in the vocabulary");
        }
        this.prefix = continuingPrefix;
        this.suffix = endOfWordSuffix;
        this.fuseUnk = fuseUnk;
        this.byteFallback = byteFallback;
        this.ignoreMerges = ignoreMerges;
        int prefixLength = prefix == null ? 0 : prefix.length();
        for (int rank = 0; rank < mergeRules.size(); rank++) {
            String a = mergeRules.get(rank)[0];
            String b = mergeRules.get(rank)[1];
            int aId = requireId(a, rank);
            int bId = requireId(b, rank);
            int newId = requireId(a + b.substring(Math.min(prefixLength, b.length())), rank);
            merges.putIfAbsent(pairKey(aId, bId), new Merge(rank, newId));
        }
    }

    private int requireId(String token, int rank) {
        int id = vocab.id(token);
        if (id < 0) {
            throw new IllegalArgumentException(
                    "merge " + rank + ": token '" + token + "' is not in the vocabulary");
        }
        return id;
    }

    private static long pairKey(int a, int b) {
        return ((long) a << 32) | (b & 0xFFFFFFFFL);
    }

    @Override
    public Vocab vocab() {
        return vocab;
    }

    @Override
    public int[] tokenize(String word) {
        if (ignoreMerges) {
            Integer id = vocab.idOrNull(word);
            if (id != null) {
                return new int[] {id};
            }
        }
        return cache.get(word, this::encodeWord);
    }

    private int[] encodeWord(String word) {
        int[] symbols = initialSymbols(word);
        int n = symbols.length;
        while (n > 1) {
            int best = -1;
            Merge bestMerge = null;
            for (int i = 0; i + 1 < n; i++) {
                Merge m = merges.get(pairKey(symbols[i], symbols[i + 1]));
                if (m != null && (bestMerge == null || m.rank < bestMerge.rank)) {
                    best = i;
                    bestMerge = m;
                }
            }
            if (best < 0) {
                break;
            }
            symbols[best] = bestMerge.newId;
            System.arraycopy(symbols, best + 2, symbols, best + 1, n - best - 2);
            n--;
        }
        return Arrays.copyOf(symbols, n);
    }

    /**
     * One id per character (with prefix/suffix where configured); unknown characters as the
     * reference does.
     */
    private int[] initialSymbols(String word) {
        IntList ids = new IntList(word.length());
        boolean pendingUnk = false;
        for (int i = 0; i < word.length(); ) {
            int cp = word.codePointAt(i);
            int end = i + Character.charCount(cp);
            String s = word.substring(i, end);
            if (i > 0 && prefix != null) {
                s = prefix + s;
            }
            if (end == word.length() && suffix != null) {
                s = s + suffix;
            }
            Integer id = vocab.idOrNull(s);
            if (id != null) {
                if (pendingUnk) {
                    ids.add(unkId);
                    pendingUnk = false;
                }
                ids.add(id);
            } else if (byteFallback && addBytes(word.substring(i, end), ids)) {
                // Bytes added; as in the reference, a pending unknown token stays pending.
            } else if (unkId >= 0) {
                if (pendingUnk && !fuseUnk) {
                    ids.add(unkId);
                }
                pendingUnk = true;
            }
            i = end;
        }
        if (pendingUnk) {
            ids.add(unkId);
        }
        return ids.toArray();
    }

    /** Byte fallback: the character as &lt;0xHH&gt; tokens, if the vocabulary has all of them. */
    private boolean addBytes(String ch, IntList ids) {
        byte[] bytes = ch.getBytes(StandardCharsets.UTF_8);
        int[] byteIds = new int[bytes.length];
        for (int k = 0; k < bytes.length; k++) {
            Integer id = vocab.idOrNull(String.format("<0x%02X>", bytes[k] & 0xFF));
            if (id == null) {
                return false;
            }
            byteIds[k] = id;
        }
        ids.addAll(byteIds);
        return true;
    }
}
