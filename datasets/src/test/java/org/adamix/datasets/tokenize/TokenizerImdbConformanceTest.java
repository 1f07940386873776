package org.adamix.datasets.tokenize;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * MiniLM's WordPiece tokenizer.json on real IMDB reviews: ids, type ids and masks must equal the
 * Hugging Face reference's, for single texts and pairs, with and without truncation and padding.
 */
class TokenizerImdbConformanceTest {
    private static final int REVIEWS = 3000;

    /**
     * Pairs cost the reference more; fewer of them still cover every truncation branch many times.
     */
    private static final int PAIRS = 1000;

    private static Path json;
    private static Tokenizer ours;
    private static List<String> reviews;

    @BeforeAll
    static void load() throws Exception {
        json = TokenizerTestData.miniLmTokenizerJson();
        ours = Tokenizers.load(json);
        reviews = TokenizerTestData.imdbReviews(REVIEWS);
        assertEquals(REVIEWS, reviews.size(), "reviews.json has fewer reviews than the test needs");
    }

    @Test
    void singleReviewsWithoutTruncation() throws Exception {
        int compared = compareAll(EncodeOptions.DEFAULT, false);
        assertEquals(REVIEWS, compared);
    }

    @Test
    void singleReviewsTruncatedAndPaddedTo128() throws Exception {
        compareAll(EncodeOptions.fixedLength(128), false);
    }

    @Test
    void reviewsWithoutSpecialTokens() throws Exception {
        compareAll(EncodeOptions.DEFAULT.withSpecialTokens(false).withMaxLength(200), false);
    }

    @Test
    void pairsLongestFirst() throws Exception {
        compareAll(EncodeOptions.DEFAULT.withMaxLength(128), true);
        compareAll(EncodeOptions.fixedLength(257), true);
    }

    @Test
    void pairsOnlyFirstAndOnlySecond() throws Exception {
        compareAll(
                EncodeOptions.DEFAULT
                        .withMaxLength(300)
                        .withTruncation(TruncationStrategy.ONLY_FIRST),
                true);
        compareAll(
                EncodeOptions.DEFAULT
                        .withMaxLength(300)
                        .withTruncation(TruncationStrategy.ONLY_SECOND),
                true);
    }

    @Test
    void pairsWithoutTruncation() throws Exception {
        compareAll(EncodeOptions.DEFAULT, true);
    }

    /**
     * Reviews with accents, emoji, CJK, odd whitespace and controls spliced in at random places.
     */
    @Test
    void reviewsWithTrickyCharactersSplicedIn() throws Exception {
        String[] tricky = {
            "é",
            "É",
            "naïve",
            "Ångström",
            "😀",
            "👍🏽",
            "👨‍👩‍👧",
            "❤️",
            "中文",
            "日本語",
            "한국어",
            "\u00A0",
            "\t",
            "\r\n",
            "\u200B",
            "\u200D",
            "\u0000",
            "\uFFFD",
            "\u0085",
            "\u2028",
            "ß",
            "İ",
            "ΣΑΣ",
            "ﬁ",
            "①",
            "<br /><br />",
            "&amp;",
            "&#39;",
            "\u0301",
            "e\u0301",
            "Ⅻ",
            "™",
            "…",
            "–",
            "—",
            "«»",
            "“”",
            "‘’",
            "¿",
            "[CLS]",
            "[SEP]",
            "[MASK]",
            "[unk]",
            "http://example.com/a?b=c&d",
            "$1,000.50",
            "x²",
            "\uD83E\uDD70",
            "\uE000",
            "\u3000",
            "Ⓐ",
            "\u0627\u0644\u0639\u0631\u0628\u064A\u0629",
            "\u05E9\u05C1\u05DC",
            "\u0928\u092E\u0938\u094D\u0924\u0947",
            "ﾊﾝｶｸ",
            "ｆｕｌｌ",
            "\uD800",
            "\uDC00x"
        };
        Random random = new Random(42);
        List<String> mixed = new ArrayList<>();
        for (int i = 0; i < 500; i++) {
            StringBuilder s = new StringBuilder(reviews.get(i));
            for (int k = 0; k < 8; k++) {
                int at = random.nextInt(s.length() + 1);
                if (at > 0 && at < s.length() && Character.isLowSurrogate(s.charAt(at))) {
                    at--;
                }
                s.insert(at, tricky[random.nextInt(tricky.length)]);
            }
            mixed.add(s.toString());
        }
        try (ReferenceTokenizer ref = new ReferenceTokenizer(json, EncodeOptions.DEFAULT)) {
            for (String text : mixed) {
                if (!hasLoneSurrogate(text)) {
                    assertSame(
                            ref.encode(text, null),
                            ours.encode(text, null, EncodeOptions.DEFAULT),
                            text);
                }
            }
        }
    }

    /**
     * Very long inputs: a review repeated to about 40k characters, and a 150-character word (over
     * the 100 limit).
     */
    @Test
    void veryLongInputs() throws Exception {
        String longText = String.join(" ", reviews.subList(0, 40));
        String longWord = "a".repeat(150) + " " + "b".repeat(100) + " " + "é".repeat(101);
        for (EncodeOptions o :
                List.of(
                        EncodeOptions.DEFAULT,
                        EncodeOptions.fixedLength(512),
                        EncodeOptions.fixedLength(3))) {
            try (ReferenceTokenizer ref = new ReferenceTokenizer(json, o)) {
                assertSame(
                        ref.encode(longText, null),
                        ours.encode(longText, null, o),
                        "long text " + o);
                assertSame(
                        ref.encode(longWord, null),
                        ours.encode(longWord, null, o),
                        "long word " + o);
                assertSame(
                        ref.encode(longText, longWord),
                        ours.encode(longText, longWord, o),
                        "long pair " + o);
            }
        }
    }

    @Test
    void maxLengthBelowSpecialTokensIsRejected() {
        assertThrows(
                IllegalArgumentException.class,
                () -> ours.encode("a b", "c", EncodeOptions.DEFAULT.withMaxLength(2)));
    }

    /**
     * Compares every review (or the first reviews paired with others) under the options; returns
     * the count.
     */
    private static int compareAll(EncodeOptions options, boolean pairs) throws Exception {
        int compared = 0;
        int refusals = 0;
        try (ReferenceTokenizer ref = new ReferenceTokenizer(json, options)) {
            int n = pairs ? PAIRS : reviews.size();
            for (int i = 0; i < n; i++) {
                String a = reviews.get(i);
                String b = pairs ? reviews.get((i * 7 + 1) % reviews.size()) : null;
                Encoding expected = ref.encode(a, b);
                if (expected == null) {
                    refusals++;
                    assertThrows(
                            IllegalArgumentException.class,
                            () -> ours.encode(a, b, options),
                            "the reference refused review " + i + " but we did not");
                } else {
                    assertSame(
                            expected,
                            ours.encode(a, b, options),
                            "review " + i + " with " + options);
                }
                compared++;
            }
        }
        assertTrue(
                refusals < compared / 2,
                "too many refusals to be a useful comparison: " + refusals);
        return compared;
    }

    private static void assertSame(Encoding expected, Encoding actual, String what) {
        if (!expected.equals(actual)) {
            assertEquals(expected.toString(), actual.toString(), what);
        }
    }

    private static boolean hasLoneSurrogate(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (Character.isHighSurrogate(c)
                    && (i + 1 == s.length() || !Character.isLowSurrogate(s.charAt(i + 1)))) {
                return true;
            }
            if (Character.isLowSurrogate(c)
                    && (i == 0 || !Character.isHighSurrogate(s.charAt(i - 1)))) {
                return true;
            }
            if (Character.isHighSurrogate(c)) {
                i++;
            }
        }
        return false;
    }
}
