"""The faster glyph loops (techgap.render.glyphs) write the same PNG and SVG bytes as matplotlib's own, and
stand aside where matplotlib's code is not the code they were written against."""

import io

import pytest


@pytest.fixture
def styled():
    from techgap.render import glyphs
    from techgap.render.style import apply_style

    apply_style()  # installs the loops where they apply
    yield glyphs
    glyphs.install()  # whatever a test did, later tests draw with the project's setting


def text_heavy_figure():
    """Texts that reach every branch of the loops: CJK and Latin, a glyph only the fallback font has (a
    font change inside a string), rotation, a second size in one figure, mathtext with a fraction bar
    (a box after the glyphs), text without antialiasing, repeated glyphs in one string (SVG writes each
    outline once)."""
    import matplotlib.pyplot as plt

    fig = plt.figure(figsize=(5, 3), dpi=150)
    ax = fig.add_subplot()
    ax.plot([2019, 2020, 2021], [2.2, 2.4, 2.43])
    ax.set_ylabel("研發經費占 GDP 比率（%）")
    fig.text(0.02, 0.95, "中國 China 2.43% ≥ 美國 3.46%，日本 Japan ∰ 韓國 — aaaa 國國國", fontsize=9)
    fig.text(0.02, 0.05, "資料來源：OECD MSTI", fontsize=7, rotation=12)
    fig.text(0.6, 0.5, r"$\frac{China}{USA} = 0.83$", fontsize=10)
    fig.text(0.6, 0.3, "no antialiasing 無反鋸齒", fontsize=8, antialiased=False)
    return fig


def saved(fig, fmt):
    buffer = io.BytesIO()
    if fmt == "svg":
        import matplotlib

        with matplotlib.rc_context({"svg.hashsalt": "test"}):
            fig.savefig(buffer, format="svg", metadata={"Date": None})
    else:
        fig.savefig(buffer, format="png", metadata={"Software": None})
    return buffer.getvalue()


def test_the_loops_are_installed_on_the_pinned_matplotlib(styled):
    from matplotlib.backends.backend_agg import RendererAgg
    from matplotlib.textpath import TextToPath

    assert styled.install() == {"agg": True, "svg": True}
    assert RendererAgg._draw_text_glyphs_and_boxes is styled.draw_agg_glyphs
    assert TextToPath.get_glyphs_with_font is styled.glyphs_with_font


@pytest.mark.parametrize("fmt", ["png", "svg"])
def test_the_same_bytes_as_matplotlibs_own_loops(styled, fmt):
    import matplotlib.pyplot as plt

    styled.install()
    fig = text_heavy_figure()
    faster = saved(fig, fmt)
    styled.uninstall()
    own = saved(fig, fmt)
    plt.close(fig)
    assert len(own) > 10_000
    assert faster == own


def test_a_different_matplotlib_keeps_its_own_loops(styled, monkeypatch):
    from matplotlib.backends.backend_agg import RendererAgg
    from matplotlib.textpath import TextToPath

    styled.uninstall()
    agg, svg = RendererAgg._draw_text_glyphs_and_boxes, TextToPath.get_glyphs_with_font
    monkeypatch.setattr(styled, "AGG_GLYPH_LOOP", "0" * 64)  # as if matplotlib's code had changed
    monkeypatch.setattr(styled, "SVG_GLYPH_LOOP", "0" * 64)
    assert styled.install() == {"agg": False, "svg": False}
    assert RendererAgg._draw_text_glyphs_and_boxes is agg
    assert TextToPath.get_glyphs_with_font is svg
