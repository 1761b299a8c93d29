"""The project's font is read from memory by matplotlib (an in-memory copy of the file), and gives the
same glyphs as the file itself."""

import os

import pytest


def test_matplotlib_reads_the_project_font_from_memory_with_the_same_glyphs():
    from matplotlib import font_manager, ft2font

    from techgap.render.style import FONT_NAME, apply_style, font_path

    apply_style()
    path = font_manager.findfont(font_manager.FontProperties(family=FONT_NAME), fallback_to_default=False)
    assert os.path.realpath(path) == os.path.realpath(font_path())
    font = font_manager.get_font(path)
    assert not isinstance(font.fname, str)  # built from a file object, not from the path
    from_file = ft2font.FT2Font(path)
    text = "中國研發經費 R&D, 2.43% (2023)"
    for each in (font, from_file):
        each.set_size(9, 150)
    assert (font.set_text(text) == from_file.set_text(text)).all()
    assert font.get_width_height() == from_file.get_width_height()
    font.draw_glyphs_to_bitmap()
    from_file.draw_glyphs_to_bitmap()
    assert bytes(memoryview(font.get_image())) == bytes(memoryview(from_file.get_image()))


def test_another_font_loader_is_left_alone(monkeypatch):
    from matplotlib import font_manager

    from techgap.render.style import font_path, read_font_from_memory

    def plain_loader(font_filepaths, **options):  # no functools wrapper: not the loader this was written for
        raise AssertionError("not called here")

    monkeypatch.setattr(font_manager, "_get_font", plain_loader)
    assert read_font_from_memory(font_path()) is False
    assert font_manager._get_font is plain_loader


@pytest.mark.parametrize("name", ["DejaVu Sans"])
def test_other_fonts_are_still_opened_from_their_files(name):
    from matplotlib import font_manager

    from techgap.render.style import apply_style

    apply_style()
    path = font_manager.findfont(font_manager.FontProperties(family=name), fallback_to_default=False)
    assert isinstance(font_manager.get_font(path).fname, str)
