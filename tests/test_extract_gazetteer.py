"""The offline gazetteer built from packaged GeoNames-derived data plus curated YAML."""

from __future__ import annotations

from pathlib import Path

import pytest

from khabar.extract.gazetteer import PlacesFileError, build_gazetteer, distance_km, get_gazetteer, key

FIXTURES = Path(__file__).parent / "fixtures" / "extract"


@pytest.fixture(scope="module")
def gz():
    return get_gazetteer()


def test_towns_countries_and_divisions(gz):
    kabul = {e.id: e for e in gz.lookup("Kabul")}
    assert "gn:1138958" in kabul and kabul["gn:1138958"].country == "AF"
    assert abs(kabul["gn:1138958"].lat - 34.53) < 0.05
    assert any(e.precision == "admin1" and e.country == "AF" for e in gz.lookup("Helmand"))
    af = gz.country("AF")
    assert af.id == "country:AF" and af.geonames_id == 1149361
    assert distance_km(af.lat, af.lon, 33.94, 67.71) < 400  # near the country's centre
    assert {e.country for e in gz.lookup("Tashkent") if e.precision == "city"} == {"UZ"}


def test_alternate_names_in_other_scripts(gz):
    assert any(e.id == "gn:1512569" for e in gz.lookup("Ташкент"))
    assert any(e.precision == "country" and e.country == "TJ" for e in gz.lookup("Таджикистан"))


def test_curated_places_fill_the_gaps(gz):
    karte = gz.lookup("Karte-Naw")
    assert karte and karte[0].id == "khabar:karte-naw" and karte[0].country == "AF"
    assert karte[0].lat is not None and karte[0].precision == "point"
    border = gz.lookup("the Afghan-Tajik border")[0]
    assert border.precision == "border" and set(border.countries) == {"AF", "TJ"}
    assert gz.border("TJ", "AF") == border
    assert gz.lookup("Central Asia")[0].precision == "region"


def test_strong_place_knowledge(gz):
    assert gz.is_strong_place("Karte Naw")
    assert gz.is_strong_place("Moscow")
    assert not gz.is_strong_place("Ramazon Rahimzoda")


def test_key_normalises_spelling_variants():
    assert key("the Tajik–Afghan Border") == key("tajik-afghan border") == "tajik afghan border"
    assert key("Kandahār") == "kandahar"


def test_user_place_file_adds_and_bad_one_names_the_field(tmp_path):
    g = build_gazetteer([FIXTURES / "user_places.yaml"])
    assert g.lookup("Zeta camp")[0].id == "khabar:test-camp"
    assert not get_gazetteer().lookup("Zeta camp")  # the shared base is untouched
    bad = tmp_path / "bad.yaml"
    bad.write_text("places:\n  - {name: Nowhere, precision: point, lat: 95, lon: 0}\n", encoding="utf-8")
    with pytest.raises(PlacesFileError, match=r"bad\.yaml: places\[0\]: lat/lon"):
        build_gazetteer([bad])
