"""Words and numbers for people, in English or Danish: one table of strings per language, one
number formatter per language, year labels and the break-even sentence. The report, its charts
and the command line take their words from here; nothing else decides how a number is written.

English: ``1,234,567.8``, ``62%``, ``mio. DKK``; Danish: ``1.234.567,8``, ``62 %``, ``mio. kr.``.
Budget names of the shipped scenarios are translated (``children`` -> ``Børn og unge``, the
report's "udsatte børn og unge" [report L1993]); any other name is shown as written.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Mapping

from . import _core

__all__ = ["LANGUAGES", "Language", "language", "check_start_year", "break_even_sentence"]

_EN: dict[str, str] = {
    # units and labels
    "mio": "{x} mio. DKK",
    "kdkk": "thousand DKK",
    "dkk": "{x} DKK",
    "percent": "{x}%",
    "year": "year {y}",
    "month": "month",
    "replications": "replications",
    "horizon": "the {months} months simulated",
    "horizon_partial": "the {months} months simulated",
    # budgets (sector names of the shipped scenarios; others as written)
    "budget.employment": "employment", "budget.adults": "adults", "budget.children": "children",
    "budget.health": "health", "budget.solution": "solution", "budget.total": "total",
    "index.sector": "sector", "index.budget": "budget", "index.year": "year",
    # table columns, by the summaries' column names
    "col.bau": "business as usual", "col.solution": "solution", "col.difference": "difference",
    "col.ci_low": "95% low", "col.ci_high": "95% high", "col.difference_low": "95% low",
    "col.difference_high": "95% high", "col.settled": "settled", "col.net": "net",
    "col.required": "required", "col.p_net_loss": "P(net loss)",
    # break-even
    "be.none": "Break-even: the solution does not pay back within {horizon} (in none of the {n} replications).",
    "be.some": "Break-even: the solution pays back within {horizon} in {how_many}; where it does, the median "
               "year from which it has paid for itself is {year}.",
    "be.all": "all {n} replications",
    "be.share": "{percent} of the replications ({k} of {n})",
    # allocation rules
    "rules.none": "the scenario has no allocation rules, so each budget pays what its law grants",
    "rules.order": "the scenario's rules applied in order: {rules}",
    "rules.salaries": "salaries (organisation.salary_key)",
    # the report
    "r.intro": "Scenario <b>{name}</b>: {replications} replications, {months} months, seed {seed}. Each family is "
               "simulated twice with the same random numbers: business as usual and inside the cross-sector "
               "solution. Differences are solution minus business as usual; negative means the solution saves "
               "money.",
    "r.saves": "saves", "r.costs": "costs",
    "r.verdict": "Over the whole horizon the solution {verdict} {amount} in total",
    "r.verdict_note": "(mean over replications, all budgets).",
    "r.year_one": "Years are counted from the start of the solution: year 1 is its first 12 months (give a start "
                  "year, <code>--start-year</code> or <code>start_year=</code>, to show budget years).",
    "r.year_one_given": "Year 1 is {year}: each year is 12 months from the first month simulated.",
    "r.pv": "Present value of the total difference at the scenario's discount rate of {rate} a year ({first} "
            "undiscounted): {amount}.",
    "r.per_place": "Difference per place: {amount} per family-year inside the solution (mean {families} families "
                   "inside).",
    "r.no_place": "Difference per place: no family was inside the solution.",
    "r.h_total": "Total per year ({unit})",
    "r.h_budgets": "Each budget under the scenario's rules ({unit})",
    "r.h_sectors": "Per sector and year as granted, before the rules ({unit})",
    "r.net": "Net = the budget's position after the rules (cost without the solution &minus; cost with it + "
             "money settled); positive is better off.",
    "r.h_assumptions": "Assumptions",
    "r.horizon": "Horizon {months} months; discount rate {rate} a year; {families} families at the start, {flow}.",
    "r.flow": "{arrivals} new families a month and {leave} leaving a month",
    "r.closed": "a closed cohort (no arrivals, no departures)",
    "r.organisation": "Organisation: {form}, {staff}.",
    "r.fte": "{fte} FTE",
    "r.fte_by_year": "{fte} FTE in years 1, 2, ... (the last after)",
    "list_sep": ", ",
    "form.unit": "unit", "form.network": "network",
    "r.uncertain": "Declared uncertain (run tvaer.tornado or tvaer.sobol to see which decide the answer): {items}",
    "r.certain": "The scenario declares no uncertain parameters: every number below is as written in the file.",
    "r.footer": "Written by tvaer on {stamp}. Intervals are 95% paired t intervals over replications; they "
                "describe simulation uncertainty under the scenario's assumptions, not uncertainty in the "
                "assumptions themselves (see tvaer.tornado and tvaer.sobol).",
    # charts
    "c.difference": "Cost shift by sector and year",
    "c.difference_title": "Cost shift by sector as granted, before the rules\n({n} replications, {level}% intervals)",
    "c.difference_y": "solution - business as usual (mio. DKK)",
    "c.fan": "Cumulative total difference",
    "c.fan_title": "Cumulative cost difference, {sector}",
    "c.fan_y": "cumulative difference (mio. DKK)",
    "c.median": "median",
    "c.break_even": "Break-even curve",
    "c.break_even_y": "P(paid for itself)",
    "c.never": "does not pay for itself within {months} months\nin any of the {n} replications",
    "c.waterfall": "Cost shifts between sectors in the last year",
    "c.waterfall_title": "Cost shifts between sectors, {year}",
    "c.mio": "mio. DKK",
}

_DA: dict[str, str] = {
    "mio": "{x} mio. kr.",
    "kdkk": "1.000 kr.",
    "dkk": "{x} kr.",
    "percent": "{x} %",
    "year": "år {y}",
    "month": "måned",
    "replications": "replikationer",
    "horizon": "{years} år",
    "horizon_partial": "de {months} simulerede måneder",
    # the report's sector areas: beskæftigelse, udsatte børn og unge, udsatte voksne [report L1993],
    # sundhedsområdet [report L3769]
    "budget.employment": "Beskæftigelse", "budget.adults": "Voksne", "budget.children": "Børn og unge",
    "budget.health": "Sundhed", "budget.solution": "Tværgående løsning", "budget.total": "I alt",
    "index.sector": "sektorområde", "index.budget": "budget", "index.year": "år",
    "col.bau": "uden løsningen", "col.solution": "med løsningen", "col.difference": "forskel",
    "col.ci_low": "95 % nedre", "col.ci_high": "95 % øvre", "col.difference_low": "95 % nedre",
    "col.difference_high": "95 % øvre", "col.settled": "afregnet", "col.net": "netto",
    # a soft hyphen in effektiviseringskrav: the header may break there (the budget table is wide)
    "col.required": "effektiviserings\u00adkrav", "col.p_net_loss": "P(nettotab)",
    "be.none": "Tilbagebetaling: løsningen tjener sig ikke hjem inden for {horizon} (i ingen af de {n} "
               "replikationer).",
    "be.some": "Tilbagebetaling: løsningen tjener sig hjem i {year} i {how_many}; {year} er medianåret blandt de "
               "replikationer, hvor den tjener sig hjem inden for {horizon}.",
    "be.all": "alle {n} replikationer",
    "be.share": "{percent} af replikationerne ({k} af {n})",
    "rules.none": "scenariet har ingen fordelingsregler, så hvert budget betaler det, dets lov bevilger",
    "rules.order": "scenariets regler anvendt i rækkefølge: {rules}",
    "rules.salaries": "lønninger (organisation.salary_key)",
    "r.intro": "Scenarie <b>{name}</b>: {replications} replikationer, {months} måneder, seed {seed}. Hver familie "
               "simuleres to gange med de samme tilfældige tal: uden og med den tværgående løsning. Forskelle er "
               "med løsningen minus uden; negativ betyder, at løsningen sparer penge.",
    "r.saves": "sparer", "r.costs": "koster",
    "r.verdict": "Over hele perioden {verdict} løsningen {amount} i alt",
    "r.verdict_note": "(gennemsnit over replikationerne, alle budgetter).",
    "r.year_one": "Årene tælles fra løsningens start: år 1 er dens første 12 måneder (angiv et "
                  "startår, <code>--start-year</code> eller <code>start_year=</code>, for at vise budgetår).",
    "r.year_one_given": "År 1 er {year}: hvert år er 12 måneder regnet fra den første simulerede måned.",
    "r.pv": "Nutidsværdien af den samlede forskel er {amount} ved scenariets diskonteringsrente på {rate} om året "
            "({first} udiskonteret).",
    "r.per_place": "Forskel pr. plads: {amount} pr. familieår i løsningen (gennemsnitligt {families} familier i "
                   "løsningen).",
    "r.no_place": "Forskel pr. plads: ingen familie var i løsningen.",
    "r.h_total": "I alt pr. år ({unit})",
    "r.h_budgets": "Hvert budget efter scenariets regler ({unit})",
    "r.h_sectors": "Pr. sektorområde og år som bevilget, før reglerne ({unit})",
    "r.net": "Netto = budgettets stilling efter reglerne (udgift uden løsningen &minus; udgift med den + afregnede "
             "beløb); positiv er bedre stillet.",
    "r.h_assumptions": "Forudsætninger",
    "r.horizon": "Periode {months} måneder; diskonteringsrente {rate} om året; {families} familier ved start, {flow}.",
    "r.flow": "{arrivals} nye familier om måneden og {leave} fraflytning om måneden",
    "r.closed": "en lukket kohorte (ingen tilgang, ingen afgang)",
    "r.organisation": "Organisering: {form}, {staff}.",
    "r.fte": "{fte} årsværk",
    "r.fte_by_year": "{fte} årsværk i år 1, 2, ... (det sidste gælder derefter)",
    "list_sep": "; ",
    "form.unit": "enhedsorganisering", "form.network": "netværksorganisering",
    "r.uncertain": "Erklæret usikre (kør tvaer.tornado eller tvaer.sobol for at se, hvilke der afgør svaret): {items}",
    "r.certain": "Scenariet erklærer ingen usikre parametre: alle tal herunder er som skrevet i filen.",
    "r.footer": "Skrevet af tvaer {stamp}. Intervallerne er 95 %-parrede t-intervaller over replikationerne; de "
                "beskriver simulationsusikkerheden under scenariets forudsætninger, ikke usikkerheden i "
                "forudsætningerne selv (se tvaer.tornado og tvaer.sobol).",
    "c.difference": "Udgiftsforskydning pr. sektorområde og år",
    "c.difference_title": "Udgiftsforskydning pr. sektorområde som bevilget, før reglerne\n({n} replikationer, {level} %-intervaller)",
    "c.difference_y": "med løsningen - uden (mio. kr.)",
    "c.fan": "Akkumuleret samlet forskel",
    "c.fan_title": "Akkumuleret udgiftsforskel, {sector}",
    "c.fan_y": "akkumuleret forskel (mio. kr.)",
    "c.median": "median",
    "c.break_even": "Tilbagebetalingskurve",
    "c.break_even_y": "P(har tjent sig hjem)",
    "c.never": "tjener sig ikke hjem inden for {months} måneder\ni nogen af de {n} replikationer",
    "c.waterfall": "Udgiftsforskydninger mellem sektorområder i det sidste år",
    "c.waterfall_title": "Udgiftsforskydninger mellem sektorområder, {year}",
    "c.mio": "mio. kr.",
}


@dataclass(frozen=True)
class Language:
    """One language's words (:meth:`t`) and number style (:meth:`number`)."""

    code: str
    thousands: str
    decimal: str
    words: Mapping[str, str] = field(repr=False)

    def t(self, key: str, **values: Any) -> str:
        """The string `key` of this language with `values` filled in."""
        return self.words[key].format(**values)

    def number(self, x: float, decimals: int | None = 0) -> str:
        """`x` with thousands grouped and `decimals` decimals (None: as many as needed, up to six
        significant digits, like ``{:g}`` without exponents); never ``-0``."""
        if decimals is None:
            text = f"{abs(x):.6g}"
            decimals = len(text.split(".")[1]) if "." in text and "e" not in text else 0
        digits = f"{abs(x):,.{decimals}f}"
        sign = "-" if x < 0 and any(c in "123456789" for c in digits) else ""
        return sign + digits.replace(",", "\0").replace(".", self.decimal).replace("\0", self.thousands)

    def percent(self, share: float, decimals: int = 0) -> str:
        """A share (0.62) as a percentage ("62%" / "62 %")."""
        return self.t("percent", x=self.number(100 * share, decimals))

    def mio(self, dkk: float, decimals: int = 1) -> str:
        """DKK in millions with the unit ("24.0 mio. DKK" / "24,0 mio. kr.")."""
        return self.t("mio", x=self.number(dkk / 1e6, decimals))

    def dkk(self, dkk: float) -> str:
        """Whole DKK with the unit ("1,200,000 DKK" / "1.200.000 kr.")."""
        return self.t("dkk", x=self.number(dkk, 0))

    def budget(self, name: str) -> str:
        """A budget's (sector's) name for people; a name without a translation as written."""
        return self.words.get(f"budget.{name}", name)

    def column(self, name: str) -> str:
        """A summary column's label (``col.<name>``); a column without a label as named."""
        return self.words.get(f"col.{name}", name)

    def year(self, year: float, start_year: int | None = None) -> str:
        """Simulation year `year` (1 = the first 12 months) as "year 1" / "år 1", or as the budget
        year from `start_year` (the calendar year of year 1: 2027). A median between two years
        (3.5) is "year 3.5", or both budget years ("2029/30")."""
        if start_year is None:
            return self.t("year", y=self.number(year, None))
        first = start_year + math.floor(year) - 1
        return str(first) if year == math.floor(year) else f"{first}/{(first + 1) % 100:02d}"

    def horizon(self, months: int) -> str:
        """The simulated horizon in words, in years where it is whole years and the language says so."""
        key = "horizon" if months % 12 == 0 else "horizon_partial"
        return self.t(key, months=months, years=months // 12)


def check_start_year(year: Any, where: str = "start_year") -> int | None:
    """`year` (the calendar year of year 1) after checking it, or None; ValueError naming `where`."""
    if year is None:
        return None
    first, last = _core.START_YEARS  # the engine's bounds for a scenario's start_year
    if isinstance(year, bool) or not isinstance(year, int) or not first <= year <= last:
        raise ValueError(f"{where}: must be a calendar year in [{first}, {last}], got {year!r}")
    return year


LANGUAGES: dict[str, Language] = {
    "en": Language("en", ",", ".", _EN),
    "da": Language("da", ".", ",", _DA),
}


def language(code: str | Language) -> Language:
    """The :class:`Language` of a code (``"en"``, ``"da"``); ValueError naming the choices otherwise."""
    if isinstance(code, Language):
        return code
    if code not in LANGUAGES:
        raise ValueError(f"lang: must be one of {', '.join(LANGUAGES)}; got {code!r}")
    return LANGUAGES[code]


def break_even_sentence(break_even: Mapping[str, float], replications: int, months: int,
                        lang: str | Language = "en", start_year: int | None = None) -> str:
    """When the solution pays for itself, in words, from :meth:`tvaer.Results.break_even`: in how
    many replications it pays back within the horizon, and the median year among those."""
    w = language(lang)
    within = round(break_even["share_within_horizon"] * replications)
    if within == 0:
        return w.t("be.none", horizon=w.horizon(months), n=replications)
    share = min(max(round(100 * within / replications), 1), 99)  # never 0 % or 100 % for some
    how_many = (w.t("be.all", n=replications) if within == replications
                else w.t("be.share", percent=w.percent(share / 100), k=within, n=replications))
    return w.t("be.some", horizon=w.horizon(months), how_many=how_many,
               year=w.year(break_even["median_year"], start_year))
