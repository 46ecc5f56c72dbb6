"""The direct engine's fonts: subsets keep each used glyph's outline and advance at its own id, composite glyphs
keep their components; which characters the engine draws itself."""

import io

import pytest
from fontTools.ttLib import TTFont

from archiver.render.fonts import FACES, chain, drawable, subset_program

pytestmark = pytest.mark.skipif(not chain(False) or "DejaVu" not in chain(False)[0].name,
                                reason=f"the Debian font packages are not installed ({FACES[0][0]})")


@pytest.mark.parametrize("bold", [False, True], ids=["regular", "bold"])
def test_a_subset_keeps_the_used_glyphs_at_their_ids_and_empties_the_rest(bold):
    face = chain(bold)[0]
    text = "Hvor lenge skal Kirkegata være stengt? ÆØÅ – · ǻ Ǻ €"
    used = frozenset(face.gids[c] for c in text)
    original = TTFont(io.BytesIO(face.program))
    subset = TTFont(io.BytesIO(subset_program(face, used)))
    assert subset.getGlyphOrder().__len__() == original.getGlyphOrder().__len__()
    names, subset_names = original.getGlyphOrder(), subset.getGlyphOrder()
    glyf, subset_glyf = original["glyf"], subset["glyf"]
    components = set()
    for gid in used:
        before, after = glyf[names[gid]], subset_glyf[subset_names[gid]]
        assert original["hmtx"].metrics[names[gid]] == subset["hmtx"].metrics[subset_names[gid]]
        if before.isComposite():
            ids = [original.getGlyphID(c.glyphName) for c in before.components]
            assert [subset.getGlyphID(c.glyphName) for c in after.components] == ids
            components.update(ids)
            continue
        assert list(before.getCoordinates(glyf)[0]) == list(after.getCoordinates(subset_glyf)[0])
    assert components, "the text has composite glyphs (ǻ): their components must be kept"
    for gid in components:  # drawn, though not named by the text
        assert subset_glyf[subset_names[gid]].numberOfContours != 0
    unused = next(g for g in range(1, len(names)) if g not in used and g not in components
                  and glyf[names[g]].numberOfContours > 0)
    assert subset_glyf[subset_names[unused]].numberOfContours == 0
    assert subset["hmtx"].metrics[subset_names[unused]] == (0, 0)


def test_a_subset_is_much_smaller_and_the_same_bytes_each_time():
    face = chain(False)[0]
    used = frozenset(face.gids[c] for c in "Kirkegata")
    program = subset_program(face, used)
    assert program == subset_program(face, used)
    assert len(program) < len(face.program) / 10


@pytest.mark.parametrize(("char", "direct"), [
    ("ø", True), ("€", True), ("道", True), ("서", True), ("\u2407", True),
    ("م", False), ("ש", False), ("\u0301", False), ("\u202e", False), ("\u200b", False), ("\ue000", False),
    ("क", False), ("\u0378", False),
])
def test_what_the_engine_draws_itself(char, direct):
    assert drawable(char) is direct
