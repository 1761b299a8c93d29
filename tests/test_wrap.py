"""Text wrapping for titles, notes and table cells: lines fit, each line is as full as the next token
allows (a greedy fill), CJK breaks between characters, closing punctuation never starts a line."""

from techgap.render.charts import wrap


class MonospaceRenderer:
    """Every character is `size` pixels wide; a dpi no real figure uses keeps the width cache apart."""

    dpi = 1.2345

    def get_text_width_height_descent(self, value, prop, ismath):
        return len(value) * prop.get_size(), prop.get_size(), 0


def test_latin_text_breaks_between_words_and_fills_each_line():
    text = "the newest quarter against the same quarter a year before"
    lines = wrap(text, 1, 20, MonospaceRenderer()).split("\n")
    assert lines == ["the newest quarter", "against the same", "quarter a year", "before"]
    assert all(len(line) <= 20 for line in lines)


def test_cjk_breaks_between_characters_and_keeps_closing_punctuation_on_the_line():
    lines = wrap("中國研發經費投入強度，二〇二三年", 1, 5, MonospaceRenderer()).split("\n")
    assert lines == ["中國研發經", "費投入強度，", "二〇二三年"]  # '，' may not start a line: it overhangs


def test_a_word_longer_than_the_line_stands_alone_and_short_text_is_untouched():
    assert wrap("a supercalifragilistic word", 1, 8, MonospaceRenderer()) == "a\nsupercalifragilistic\nword"
    assert wrap("fits\nas is", 1, 8, MonospaceRenderer()) == "fits\nas is"
