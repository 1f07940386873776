#!/usr/bin/env python3
"""Reference values for the Java generation metrics (org.adamix.datasets.generation.metrics), from NLTK.

BLEU: nltk.translate.bleu_score.corpus_bleu with its defaults (4-gram, uniform weights, no smoothing).
ROUGE-L: written here after the coco-caption formula the E2E challenge scorer uses: for each hypothesis, LCS
precision and recall against every reference, the best precision and the best recall, F with beta = 1.2
(0 if either is 0); the corpus score is the mean. An empty hypothesis or reference counts precision/recall 0.
Tokens: text.lower().split() (lower-cased, split on runs of white space).

  experiments/nlg_metrics_reference.py [OUT_JSON]   writes the fixture (default:
      datasets/src/test/resources/generation/nlg-metrics-reference.json): cases built below, each scored alone
      and all together, with NLTK's BLEU parts (clipped matches and totals per order, lengths, brevity penalty)
  experiments/nlg_metrics_reference.py --score      reads {"hypotheses": [...], "references": [[...], ...]} on
      stdin and prints {"bleu": ..., "rouge_l": ..., "nltk": VERSION} (used by the live test on E2E data)

Needs NLTK (Debian: python3-nltk); the committed fixture records the version that wrote it.
"""
import json
import os
import sys
import warnings

try:
    import nltk
    from nltk.translate.bleu_score import brevity_penalty, closest_ref_length, corpus_bleu, modified_precision
except ImportError:
    sys.exit(f"nlg_metrics_reference.py: {sys.executable} has no NLTK: install python3-nltk (Debian) and run it "
             "with /usr/bin/python3, or pip install nltk")

BETA = 1.2


def tokens(text):
    return text.lower().split()


def lcs(a, b):
    table = [[0] * (len(b) + 1) for _ in range(len(a) + 1)]
    for i in range(1, len(a) + 1):
        for j in range(1, len(b) + 1):
            if a[i - 1] == b[j - 1]:
                table[i][j] = table[i - 1][j - 1] + 1
            else:
                table[i][j] = max(table[i - 1][j], table[i][j - 1])
    return table[len(a)][len(b)]


def rouge_l_sentence(hyp, refs):
    precisions, recalls = [], []
    for ref in refs:
        common = lcs(ref, hyp)
        precisions.append(common / len(hyp) if hyp else 0.0)
        recalls.append(common / len(ref) if ref else 0.0)
    p, r = max(precisions), max(recalls)
    if p == 0 or r == 0:
        return 0.0
    return ((1 + BETA ** 2) * p * r) / (r + BETA ** 2 * p)


def score(hypotheses, references):
    hyps = [tokens(h) for h in hypotheses]
    refs = [[tokens(r) for r in rs] for rs in references]
    with warnings.catch_warnings():
        # NLTK warns when an n-gram order has no match (its "method0" then uses sys.float_info.min).
        warnings.simplefilter("ignore")
        bleu = corpus_bleu(refs, hyps)
    rouge = sum(rouge_l_sentence(h, rs) for h, rs in zip(hyps, refs)) / len(hyps)
    return float(bleu), rouge


def bleu_parts(hypotheses, references):
    """NLTK's own building blocks, summed as corpus_bleu sums them."""
    matches, totals = [0] * 4, [0] * 4
    hyp_len = ref_len = 0
    for h, rs in zip(hypotheses, references):
        hyp, refs = tokens(h), [tokens(r) for r in rs]
        for n in range(1, 5):
            p = modified_precision(refs, hyp, n)
            matches[n - 1] += p.numerator
            totals[n - 1] += p.denominator
        hyp_len += len(hyp)
        ref_len += closest_ref_length(refs, len(hyp))
    return {"matches": matches, "totals": totals, "hypothesis_length": hyp_len, "reference_length": ref_len,
            "brevity_penalty": float(brevity_penalty(ref_len, hyp_len))}


# Hypotheses and references resembling E2E outputs, written for this fixture. Each case says what it exercises.
CASES = [
    ("exact_match", "The Eagle is a coffee shop near Burger King in the riverside area.",
     ["The Eagle is a coffee shop near Burger King in the riverside area.",
      "Near Burger King by the riverside is a coffee shop called The Eagle."]),
    ("no_4gram_overlap", "Golden Palace, a cheap restaurant, is located in the city centre.",
     ["In the city centre there is a cheap restaurant named Golden Palace.",
      "Golden Palace serves cheap food and you can find it in the centre of town."]),
    ("shorter_than_references", "Aromi is a coffee shop.",
     ["Aromi is a family-friendly coffee shop serving Italian food in the riverside area.",
      "There is a coffee shop called Aromi which serves Italian food by the riverside and welcomes families."]),
    ("references_of_different_lengths_tie", "The Phoenix is a moderately priced restaurant near the river.",
     ["The Phoenix restaurant is moderately priced.",
      "Near the river, The Phoenix offers food at moderate prices and a good rating.",
      "The Phoenix is a restaurant that serves moderately priced English food by the river in the city centre."]),
    ("no_overlap_at_all", "Thanks for asking!",
     ["Wildwood is a pub near Ranch.", "Near Ranch you can find the Wildwood pub."]),
    ("fewer_than_four_tokens", "Zizzi pub.", ["Zizzi is a pub.", "There is a pub called Zizzi."]),
    ("repeated_words_clipped", "the the the riverside riverside riverside pub pub",
     ["The Cricketers is a pub at the riverside.", "By the riverside there is the pub The Cricketers."]),
    ("case_and_punctuation", "THE WRESTLERS is a Pub, near the Raja Indian Cuisine.",
     ["The Wrestlers is a pub, near the Raja Indian Cuisine.", "The Wrestlers pub is close to Raja Indian Cuisine."]),
    ("white_space_variants", "  Fitzbillies\tis a  coffee shop\u00a0with a high\ncustomer rating.  ",
     ["Fitzbillies is a coffee shop with a high customer rating.",
      "Fitzbillies, a coffee shop, has a high customer rating."]),
    ("best_precision_and_recall_from_different_references", "Cotto is a cheap coffee shop near The Portland Arms.",
     ["Cotto is cheap.",
      "The Portland Arms is near Cotto, which is a coffee shop that serves cheap Indian food with an average rating."]),
    ("empty_hypothesis", "", ["Browns Cambridge is a restaurant.", "Browns Cambridge serves food."]),
]


def check_cases():
    """The cases must exercise what their names say; fail loudly if an edit breaks that."""
    c = {name: (h, rs) for name, h, rs in CASES}

    def prec(name, n):
        h, rs = c[name]
        return modified_precision([tokens(r) for r in rs], tokens(h), n)

    assert prec("no_4gram_overlap", 4).numerator == 0 and prec("no_4gram_overlap", 3).numerator > 0
    h, rs = c["shorter_than_references"]
    assert len(tokens(h)) < min(len(tokens(r)) for r in rs)
    h, rs = c["references_of_different_lengths_tie"]
    lengths = sorted(len(tokens(r)) for r in rs)
    d = len(tokens(h))
    assert len(set(lengths)) == 3 and lengths[0] < d < lengths[1] and d - lengths[0] == lengths[1] - d
    assert prec("no_overlap_at_all", 1).numerator == 0
    assert len(tokens(c["fewer_than_four_tokens"][0])) < 4
    assert prec("repeated_words_clipped", 1).numerator < prec("repeated_words_clipped", 1).denominator
    h, rs = c["best_precision_and_recall_from_different_references"]
    hyp, refs = tokens(h), [tokens(r) for r in rs]
    best_f = max(rouge_l_sentence(hyp, [r]) for r in refs)
    assert abs(rouge_l_sentence(hyp, refs) - best_f) > 1e-3, "this case must tell max(P),max(R) from max(F)"


def entry(name, hypotheses, references):
    bleu, rouge = score(hypotheses, references)
    return dict(name=name, hypotheses=hypotheses, references=references, bleu=bleu, rouge_l=rouge,
                **bleu_parts(hypotheses, references))


def fixture():
    check_cases()
    corpora = [entry(name, [h], [rs]) for name, h, rs in CASES]
    corpora.append(entry("all_cases", [h for _, h, _ in CASES], [rs for _, _, rs in CASES]))
    typical = [x for x in CASES if x[0] not in ("no_overlap_at_all", "empty_hypothesis")]
    corpora.append(entry("all_cases_without_degenerate_ones", [h for _, h, _ in typical],
                         [rs for _, _, rs in typical]))
    return {"generator": "experiments/nlg_metrics_reference.py", "nltk": nltk.__version__,
            "python": sys.version.split()[0], "tokens": "text.lower().split()",
            "bleu": "nltk corpus_bleu, default weights (0.25,)*4, no smoothing",
            "rouge_l": "coco-caption: F(beta=1.2) of the best LCS precision and best LCS recall over references, "
                       "mean over hypotheses", "corpora": corpora}


def main():
    if sys.argv[1:] == ["--score"]:
        data = json.load(sys.stdin)
        bleu, rouge = score(data["hypotheses"], data["references"])
        json.dump({"bleu": bleu, "rouge_l": rouge, "nltk": nltk.__version__}, sys.stdout)
        print()
        return
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
        root, "datasets/src/test/resources/generation/nlg-metrics-reference.json")
    os.makedirs(os.path.dirname(out), exist_ok=True)
    with open(out, "w", encoding="utf-8") as f:
        json.dump(fixture(), f, indent=1)
        f.write("\n")
    print(f"wrote {out}", file=sys.stderr)


if __name__ == "__main__":
    main()
