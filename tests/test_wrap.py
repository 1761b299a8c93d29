"""Text wrapping for titles, notes and table cells: lines fit, each line is as full as the next token
allows (a greedy fill), CJK breaks between characters, closing punctuation never starts a line."""

from techgap.render.layout import wrap


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


class KernedRenderer(MonospaceRenderer):
    """A run of characters is narrower (kerning < 0) or wider (kerning > 0) than its characters side by
    side, so widths summed token by token misjudge every line; records each string it measures."""

    def __init__(self, kerning: float):
        self.kerning = kerning
        self.dpi = 1.2345 + kerning  # a width cache of its own
        self.measured: list[str] = []

    def get_text_width_height_descent(self, value, prop, ismath):
        self.measured.append(value)
        return len(value) * prop.get_size() + self.kerning * max(len(value) - 1, 0), prop.get_size(), 0


def greedy_lines(text: str, width: float, kerning: float) -> list[str]:
    """The reference: each line the longest run of words whose measured width fits, found word by word."""
    words, lines, current = text.split(" "), [], ""
    for word in words:
        candidate = f"{current} {word}" if current else word
        if current and len(candidate) + kerning * (len(candidate) - 1) > width:
            lines.append(current)
            candidate = word
        current = candidate
    return lines + [current]


def test_lines_are_the_greedy_fill_even_when_token_widths_do_not_add_up():
    text = " ".join(f"w{i % 7}{'x' * (i % 5)}" for i in range(120))
    for kerning in (-0.4, 0.0, 0.3):
        renderer = KernedRenderer(kerning)
        lines = wrap(text, 1, 40, renderer).split("\n")
        assert lines == greedy_lines(text, 40, kerning), kerning


def test_a_long_paragraph_costs_a_few_measurements_per_line_not_a_search_over_the_paragraph():
    text = " ".join(f"word{i}" for i in range(400))  # ~2,800 characters, ~70 lines of 40
    renderer = KernedRenderer(-0.2)
    lines = wrap(text, 1, 40, renderer).split("\n")
    long_measurements = [value for value in renderer.measured if len(value) > 12]  # more than one token
    assert len(lines) > 60
    assert len(long_measurements) <= 3 * len(lines)
    assert max(len(value) for value in long_measurements) < 60  # never the paragraph or most of it


def test_the_last_line_never_holds_one_cjk_character_alone():
    """gap01's note left '伸' of 延伸 alone on its last line: the line before gives it a character."""
    lines = wrap("趨勢不符近期數據，不作延伸", 1, 12, MonospaceRenderer()).split("\n")
    assert lines == ["趨勢不符近期數據，不作", "延伸"]
    assert wrap("不作延伸。", 1, 3, MonospaceRenderer()).split("\n") == ["不作", "延伸。"]  # its punctuation goes with it
    assert wrap("ab cd e", 1, 5, MonospaceRenderer()) == "ab cd\ne"  # a Latin word may end a paragraph alone
