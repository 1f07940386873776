package org.adamix.datasets.tokenize;

/**
 * A token matched verbatim in the text before the model sees it, such as [CLS] or &lt;mask&gt;.
 *
 * @param normalized matched in the normalized text (true) or in the raw text (false)
 * @param lstrip the match swallows whitespace on its left
 * @param rstrip the match swallows whitespace on its right
 * @param singleWord match only when not inside a word
 */
record AddedToken(
        String content,
        int id,
        boolean special,
        boolean singleWord,
        boolean lstrip,
        boolean rstrip,
        boolean normalized) {

    static AddedToken special(String content, int id) {
        return new AddedToken(content, id, true, false, false, false, false);
    }
}
