"""The actor knowledge base: packaged YAML, generated state actors, user files and their errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from khabar.extract.kb import KBError, fold, load_kb, load_kb_uncached, slug

FIXTURES = Path(__file__).parent / "fixtures" / "extract"


def test_packaged_kb_seeds_the_region_and_every_country():
    kb = load_kb()
    iskp = kb.actors["iskp"]
    assert iskp.parent == "islamic-state" and iskp.type == "armed_group"
    assert {"ISIS-K", "ISKP", "Wilayat Khorasan", "ИГИЛ-Хорасан"} <= set(iskp.aliases)
    assert kb.actors["csto"].type == "igo"
    assert kb.actors["tj-mvd"].parent == "tj" and kb.bodies[("TJ", "interior")] == "tj-mvd"
    assert kb.actors["ml"].type == "state" and kb.actors["ml"].country == "ML"  # generated from pycountry
    assert kb.demonyms["Tajik"] == "TJ"


def test_generated_body_for_a_state_the_kb_does_not_detail():
    kb = load_kb()
    army = kb.body_actor("ML", "army")
    assert (army.id, army.parent, army.type) == ("ml-army", "ml", "government")
    assert kb.body_actor("TJ", "interior").id == "tj-mvd"


def test_user_file_adds_and_extends():
    kb = load_kb_uncached([FIXTURES / "user_actors.yaml"])
    assert kb.actors["katiba-macina"].parent == "jnim"
    assert any(a.text == "Катиба Масина" and a.actor_id == "katiba-macina" for a in kb.aliases)


@pytest.mark.parametrize(("text", "error"), [
    ("actors:\n  - {id: x, name: X, type: militia}\n", r"bad\.yaml: actors\[0\] \(x\): type 'militia'"),
    ("actors:\n  - {id: x, name: X, country: Tajikistan}\n", r"country 'Tajikistan' is not an ISO"),
    ("actors:\n  - {name: X}\n", r"actors\[0\]: needs at least 'id' and 'name'"),
    ("actors:\n  - {id: x, name: X, parent: nowhere}\n", r"parent 'nowhere' is not in the knowledge base"),
    ("actors: {}\n", r"'actors' must be a list"),
])
def test_bad_kb_files_name_file_and_field(tmp_path, text, error):
    bad = tmp_path / "bad.yaml"
    bad.write_text(text, encoding="utf-8")
    with pytest.raises(KBError, match=error):
        load_kb_uncached([bad])


def test_fold_and_slug():
    assert fold("Kandahār’s  Border") == "kandahar's border"
    assert slug("Hesham al-Naggar") == "hesham-al-naggar"
