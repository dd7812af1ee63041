"""Words and numbers for people (tvaer.language): each language's number style, year labels and
the break-even sentence, against values typed here."""

from __future__ import annotations

import pytest

from tvaer.language import LANGUAGES, break_even_sentence, check_start_year, language


@pytest.mark.parametrize("x, decimals, en, da", [
    (189_740, 0, "189,740", "189.740"),
    (1_234_567.891, 2, "1,234,567.89", "1.234.567,89"),
    (-4_705.4, 0, "-4,705", "-4.705"),
    (-0.4, 0, "0", "0"),            # never "-0"
    (999.5, 0, "1,000", "1.000"),   # rounding carries into a new group
    (0.05, None, "0.05", "0,05"),   # as many decimals as the number has
    (1.6, None, "1.6", "1,6"),
    (10, None, "10", "10"),
    (12_000_000, None, "12,000,000", "12.000.000"),
])
def test_numbers_are_grouped_and_pointed_the_way_each_language_writes_them(x, decimals, en, da):
    assert language("en").number(x, decimals) == en
    assert language("da").number(x, decimals) == da


def test_money_shares_and_years_in_each_language():
    en, da = language("en"), language("da")
    assert (en.mio(20_712_345.0), da.mio(20_712_345.0)) == ("20.7 mio. DKK", "20,7 mio. kr.")
    assert (en.dkk(69_047.4), da.dkk(69_047.4)) == ("69,047 DKK", "69.047 kr.")
    assert (en.percent(0.62), da.percent(0.62), da.percent(0.03, 1)) == ("62%", "62 %", "3,0 %")
    assert (en.year(4), da.year(4), da.year(3.5)) == ("year 4", "år 4", "år 3,5")
    # with a start year, year 1 is that year; a median between two years names both
    assert (en.year(1, 2027), da.year(4, 2027), da.year(3.5, 2027)) == ("2027", "2030", "2029/30")
    assert (da.budget("children"), da.budget("employment"), da.budget("adults"), da.budget("total")) == \
        ("Børn og unge", "Beskæftigelse", "Voksne", "I alt")
    assert da.budget("schools") == "schools"  # a name without a translation as written


@pytest.mark.parametrize("share, median, n, months, start, words", [
    (0.62, 4.0, 200, 60, None, "Tilbagebetaling: løsningen tjener sig hjem i år 4 i 62 % af replikationerne "
                               "(124 af 200); år 4 er medianåret blandt de replikationer, hvor den tjener sig hjem "
                               "inden for 5 år."),
    (0.62, 4.0, 200, 60, 2027, "Tilbagebetaling: løsningen tjener sig hjem i 2030 i 62 % af replikationerne "
                               "(124 af 200); 2030 er medianåret blandt de replikationer, hvor den tjener sig hjem "
                               "inden for 5 år."),
    (1.0, 2.0, 10, 30, None, "Tilbagebetaling: løsningen tjener sig hjem i år 2 i alle 10 replikationer; år 2 er "
                             "medianåret blandt de replikationer, hvor den tjener sig hjem inden for de 30 simulerede "
                             "måneder."),
    (0.0, float("nan"), 200, 60, None, "Tilbagebetaling: løsningen tjener sig ikke hjem inden for 5 år (i ingen af "
                                       "de 200 replikationer)."),
])
def test_the_danish_break_even_sentence(share, median, n, months, start, words):
    be = {"median_year": median, "share_within_horizon": share}
    assert break_even_sentence(be, n, months, "da", start) == words


def test_an_unknown_language_or_a_start_year_that_is_not_a_year_is_named():
    with pytest.raises(ValueError, match=r"^lang: must be one of en, da; got 'fr'$"):
        language("fr")
    assert check_start_year(None) is None and check_start_year(2027) == 2027
    with pytest.raises(ValueError, match=r"^--start-year: must be a calendar year in \[1900, 2200\], got 3000$"):
        check_start_year(3000, "--start-year")
    with pytest.raises(ValueError, match=r"^start_year: must be a calendar year in \[1900, 2200\], got True$"):
        check_start_year(True)


def test_every_language_has_every_string():
    # A string missing from one table would show its key (e.g. 'p_net_loss') on that language's page.
    keys = {code: set(lang.words) for code, lang in LANGUAGES.items()}
    assert keys["da"] == keys["en"], (sorted(keys["en"] - keys["da"]), sorted(keys["da"] - keys["en"]))


def test_the_danish_budget_table_is_labelled_in_danish():
    da = language("da")
    assert [da.column(c) for c in ["bau", "solution", "net", "required", "p_net_loss"]] == [
        "uden løsningen", "med løsningen", "netto", "effektiviserings\u00adkrav", "P(nettotab)"]


def test_the_rule_the_engine_makes_for_salaries_is_named_in_danish_and_the_scenarios_own_names_stay(three):
    import tvaer
    from tvaer.tables import rules_sentence

    res = tvaer.simulate(three, replications=1, seed=1, threads=1, progress=False)
    rules = tvaer.budgets.settle(res).rules  # organisation.salary_key makes the engine add its rule
    assert "salaries (organisation.salary_key)" in rules
    da = rules_sentence(rules + ["Kommunens egen regel"], "da")
    assert "lønninger (organisation.salary_key)" in da and "salaries" not in da
    assert da.endswith("; Kommunens egen regel")
    assert "salaries (organisation.salary_key)" in rules_sentence(rules, "en")
