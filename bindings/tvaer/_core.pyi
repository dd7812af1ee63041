"""
tvaer's compiled engine (private: use the tvaer package)
"""
from __future__ import annotations
import collections.abc
import numpy
import numpy.typing
import os
import typing
__all__: list[str] = ['CostKind', 'DEFAULT_COMPRESSION', 'Document', 'ExpectedValues', 'GIT_REVISION', 'GovernanceRow', 'IncentiveRow', 'LedgerLine', 'LineYears', 'MemberRow', 'Model', 'Origin', 'Provenance', 'RESULTS_SCHEMA_VERSION', 'ReplicationOptions', 'RequirementPart', 'Results', 'Rule', 'SCENARIO_SCHEMA_VERSION', 'START_YEARS', 'Settlement', 'ShareBasis', 'Shortfall', 'Transfer', 'Treatment', 'UnitItems', 'allocation_rules', 'append_results', 'apportion', 'break_even_year', 'break_even_year_dkk', 'budget_costs', 'check_compression', 'efficiency_requirement', 'engine_bytes', 'equal_split', 'expected', 'fixed_key', 'fold_moments', 'investor_returns', 'item_path', 'ladder_model', 'make_provenance', 'own_budget', 'pay_where_granted', 'present_value', 'present_value_dkk', 'read_provenance', 'read_results', 'require_analytic_support', 'result_arrays', 'retrospective', 'run', 'salary_key', 'settle', 'shapley', 'shapley_values', 'to_ore', 'write_results', 'yearly_lines']
class Origin:
    """
    Where a value of a scenario came from: a file position, an override, or only a file.
    """
    def describe(self) -> str:
        """
        `FILE:LINE:COL`, `FILE (override 'PATH')`, `FILE`, or ''.
        """
    @property
    def column(self) -> int:
        """
        1-based; 0: unknown
        """
    @property
    def file(self) -> str:
        ...
    @property
    def line(self) -> int:
        """
        1-based; 0: unknown
        """
    @property
    def override(self) -> str:
        """
        the override that wrote the value, or ''
        """
class CostKind:
    """
    Members:
    
      service
    
      transfer
    """
    __members__: typing.ClassVar[dict[str, CostKind]]
    service: typing.ClassVar[CostKind]
    transfer: typing.ClassVar[CostKind]
    @typing.overload
    def __eq__(self, other: CostKind) -> bool:
        ...
    @typing.overload
    def __eq__(self, other: typing.Any) -> bool:
        ...
    def __getstate__(self) -> int:
        ...
    def __hash__(self) -> int:
        ...
    def __index__(self) -> int:
        ...
    def __init__(self, value: typing.SupportsInt | typing.SupportsIndex) -> None:
        ...
    def __int__(self) -> int:
        ...
    @typing.overload
    def __ne__(self, other: CostKind) -> bool:
        ...
    @typing.overload
    def __ne__(self, other: typing.Any) -> bool:
        ...
    def __repr__(self) -> str:
        ...
    def __setstate__(self, state: typing.SupportsInt | typing.SupportsIndex) -> None:
        ...
    def __str__(self) -> str:
        ...
    @property
    def name(self) -> str:
        ...
    @property
    def value(self) -> int:
        ...
class Document:
    """
    A scenario document: TOML text as written, plus overrides made in code.
    """
    @staticmethod
    def load(path: os.PathLike | str | bytes) -> Document:
        """
        Reads and parses a scenario file.
        """
    @staticmethod
    def parse(text: str, source: str, positions: bool = True) -> Document:
        """
        Parses TOML text; `source` names it in errors; `positions=False` for text generated from data.
        """
    def locate(self, key_path: str) -> Origin:
        """
        Where the value at a key path came from (an Origin): the override that wrote it, else its line and column, or those of its nearest enclosing table when the key is missing.
        """
    def set(self, path: str, value_toml: str) -> None:
        """
        Sets the value at a key path to the value of `v` in the TOML text `value_toml` (an override).
        """
    @typing.overload
    def to_json(self) -> str:
        """
        The document as JSON, tables in the order written.
        """
    @typing.overload
    def to_json(self, path: str) -> str:
        """
        The value at a key path as JSON; raises ScenarioError if there is none.
        """
    @property
    def overrides(self) -> list[tuple[str, str]]:
        ...
    @property
    def source(self) -> str:
        ...
    @property
    def text(self) -> str:
        ...
class MemberRow:
    def __init__(self, family: typing.SupportsInt | typing.SupportsIndex, track: str, state: str, benefit: str = '') -> None:
        ...
class Treatment:
    """
    Members:
    
      usual
    
      solution
    """
    __members__: typing.ClassVar[dict[str, Treatment]]
    solution: typing.ClassVar[Treatment]
    usual: typing.ClassVar[Treatment]
    @typing.overload
    def __eq__(self, other: Treatment) -> bool:
        ...
    @typing.overload
    def __eq__(self, other: typing.Any) -> bool:
        ...
    def __getstate__(self) -> int:
        ...
    def __hash__(self) -> int:
        ...
    def __index__(self) -> int:
        ...
    def __init__(self, value: typing.SupportsInt | typing.SupportsIndex) -> None:
        ...
    def __int__(self) -> int:
        ...
    @typing.overload
    def __ne__(self, other: Treatment) -> bool:
        ...
    @typing.overload
    def __ne__(self, other: typing.Any) -> bool:
        ...
    def __repr__(self) -> str:
        ...
    def __setstate__(self, state: typing.SupportsInt | typing.SupportsIndex) -> None:
        ...
    def __str__(self) -> str:
        ...
    @property
    def name(self) -> str:
        ...
    @property
    def value(self) -> int:
        ...
class LedgerLine:
    @property
    def benefit(self) -> str:
        ...
    @property
    def cpr_registered(self) -> bool:
        ...
    @property
    def granted_by(self) -> str:
        ...
    @property
    def group(self) -> str:
        ...
    @property
    def inside_unit_budget(self) -> bool:
        ...
    @property
    def kind(self) -> CostKind:
        ...
    @property
    def law_sector(self) -> int:
        ...
    @property
    def payer(self) -> int:
        ...
    @property
    def source(self) -> str:
        ...
    @property
    def source_kind(self) -> str:
        ...
class GovernanceRow:
    @property
    def above_ceiling(self) -> bool:
        ...
    @property
    def delivered_by(self) -> str:
        ...
    @property
    def expected_cost(self) -> float:
        ...
    @property
    def grants(self) -> str:
        ...
    @property
    def inside_unit_budget(self) -> bool:
        ...
    @property
    def intervention(self) -> str:
        ...
    @property
    def pays(self) -> str:
        ...
class Model:
    """
    A validated, compiled scenario.
    """
    def __init__(self, document: Document, read_table: collections.abc.Callable[[str], collections.abc.Sequence[MemberRow]] = None) -> None:
        """
        Reads, validates and compiles a document; `read_table(file)` returns the rows of a population table.
        """
    @property
    def budgets(self) -> list[str]:
        ...
    @property
    def discount_rate(self) -> float:
        ...
    @property
    def families(self) -> int:
        ...
    @property
    def governance(self) -> list[GovernanceRow]:
        ...
    @property
    def interventions(self) -> list[str]:
        ...
    @property
    def lines(self) -> list[LedgerLine]:
        ...
    @property
    def months(self) -> int:
        ...
    @property
    def occupancy_rows(self) -> list[str]:
        ...
    @property
    def sectors(self) -> list[str]:
        ...
    @property
    def solution_capacity(self) -> int:
        ...
    @property
    def transition_rows(self) -> list[str]:
        ...
class Results:
    """
    Raw outputs of consecutive replications (both arms).
    """
    def append(self, more: Results) -> None:
        """
        Appends the replications that directly follow these.
        """
    def reserve(self, total: typing.SupportsInt | typing.SupportsIndex) -> None:
        """
        Reserves room for `total` replications in all (each as large as those held), so that appending up to them copies each array once: simulate_to_file holds its chunks this way.
        """
    @property
    def admitted(self) -> typing.Any:
        """
        families ever admitted into the solution, count; dims (replication, arm).
        """
    @property
    def booking_age(self) -> numpy.typing.NDArray[numpy.float32]:
        """
        years at the start of the month (0 if born during it); NaN on a track without ages
        """
    @property
    def booking_amount(self) -> numpy.typing.NDArray[numpy.float64]:
        """
        DKK
        """
    @property
    def booking_counts(self) -> numpy.typing.NDArray[numpy.uint64]:
        """
        bookings per (replication, arm) block of the booking log.
        """
    @property
    def booking_family(self) -> numpy.typing.NDArray[numpy.uint32]:
        ...
    @property
    def booking_line(self) -> numpy.typing.NDArray[numpy.uint32]:
        ...
    @property
    def booking_member(self) -> numpy.typing.NDArray[numpy.uint16]:
        ...
    @property
    def booking_month(self) -> numpy.typing.NDArray[numpy.uint16]:
        ...
    @property
    def budgets(self) -> list[str]:
        ...
    @property
    def costs(self) -> typing.Any:
        """
        cost booked on each ledger line in each month, DKK; dims (replication, arm, line, month).
        """
    @property
    def decision_wait_months_ordinary(self) -> typing.Any:
        """
        summed decision wait (request to decision) of the requests decided in each month: families treated as usual, months; dims (replication, arm, month, intervention).
        """
    @property
    def decision_wait_months_solution(self) -> typing.Any:
        """
        summed decision wait (request to decision) of the requests decided in each month: families inside the solution, months; dims (replication, arm, month, intervention).
        """
    @property
    def dropped(self) -> typing.Any:
        """
        requests dropped from a queue in each month, count; dims (replication, arm, month, intervention).
        """
    @property
    def dropped_ordinary(self) -> typing.Any:
        """
        requests dropped from a queue in each month: families treated as usual, count; dims (replication, arm, month, intervention).
        """
    @property
    def dropped_solution(self) -> typing.Any:
        """
        requests dropped from a queue in each month: families inside the solution, count; dims (replication, arm, month, intervention).
        """
    @property
    def events(self) -> typing.Any:
        """
        events simulated (transitions, starts, ends, queue joins, delayed decisions, arrivals, leavers), count; dims (replication, arm).
        """
    @property
    def family_admitted(self) -> typing.Any:
        """
        month the family was first admitted into the solution, or -1, month; dims (family_record).
        """
    @property
    def family_candidate(self) -> typing.Any:
        """
        eligible and motivated when considered (1) or not (0), no units; dims (family_record).
        """
    @property
    def family_cost(self) -> typing.Any:
        """
        what each family cost each paying budget in each year, DKK; dims (family_record, year, budget, registration).
        """
    @property
    def family_count(self) -> typing.Any:
        """
        families simulated in each replication and arm, count; dims (replication, arm).
        """
    @property
    def first_replication(self) -> int:
        ...
    @property
    def has_bookings(self) -> bool:
        """
        Whether the booking log was recorded.
        """
    @property
    def has_family_costs(self) -> bool:
        """
        Whether the per-family output was recorded.
        """
    @property
    def interventions(self) -> list[str]:
        ...
    @property
    def line_sources(self) -> list[str]:
        ...
    @property
    def months(self) -> int:
        ...
    @property
    def occupancy(self) -> typing.Any:
        """
        time members spent in each state in each month (families for solution/families), member-months; dims (replication, arm, occupancy_row, month).
        """
    @property
    def occupancy_rows(self) -> list[str]:
        ...
    @property
    def place_wait_months_ordinary(self) -> typing.Any:
        """
        summed wait for a place (sent to when_full to moving in) of the members placed in each month: families treated as usual, months; dims (replication, arm, month, occupancy_row).
        """
    @property
    def place_wait_months_solution(self) -> typing.Any:
        """
        summed wait for a place (sent to when_full to moving in) of the members placed in each month: families inside the solution, months; dims (replication, arm, month, occupancy_row).
        """
    @property
    def placed_ordinary(self) -> typing.Any:
        """
        members who waited for a place of a state (tracks.states.queue) and moved in in each month: families treated as usual, count; dims (replication, arm, month, occupancy_row).
        """
    @property
    def placed_solution(self) -> typing.Any:
        """
        members who waited for a place of a state (tracks.states.queue) and moved in in each month: families inside the solution, count; dims (replication, arm, month, occupancy_row).
        """
    @property
    def queue(self) -> typing.Any:
        """
        time-integral of each intervention's queue in each month, request-months; dims (replication, arm, intervention, month).
        """
    @property
    def redirected_ordinary(self) -> typing.Any:
        """
        members who found every place of a state taken and went to its when_full state: families treated as usual, count; dims (replication, arm, month, occupancy_row).
        """
    @property
    def redirected_solution(self) -> typing.Any:
        """
        members who found every place of a state taken and went to its when_full state: families inside the solution, count; dims (replication, arm, month, occupancy_row).
        """
    @property
    def replications(self) -> int:
        ...
    @property
    def requests(self) -> typing.Any:
        """
        intervention requests in each month, count; dims (replication, arm, month, intervention).
        """
    @property
    def requests_ordinary(self) -> typing.Any:
        """
        intervention requests decided in each month: families treated as usual, count; dims (replication, arm, month, intervention).
        """
    @property
    def requests_solution(self) -> typing.Any:
        """
        intervention requests decided in each month: families inside the solution, count; dims (replication, arm, month, intervention).
        """
    @property
    def seed(self) -> int:
        ...
    @property
    def starts(self) -> typing.Any:
        """
        intervention starts in each month, count; dims (replication, arm, month, intervention).
        """
    @property
    def starts_ordinary(self) -> typing.Any:
        """
        intervention starts in each month: families treated as usual, count; dims (replication, arm, month, intervention).
        """
    @property
    def starts_solution(self) -> typing.Any:
        """
        intervention starts in each month: families inside the solution, count; dims (replication, arm, month, intervention).
        """
    @property
    def transition_rows(self) -> list[str]:
        ...
    @property
    def transitions(self) -> typing.Any:
        """
        state transitions in each month, count; dims (replication, arm, month, transition_row).
        """
    @property
    def wait_months(self) -> typing.Any:
        """
        summed wait of the intervention starts of each month, months; dims (replication, arm, month, intervention).
        """
    @property
    def wait_months_ordinary(self) -> typing.Any:
        """
        summed queue wait (decision to start) of the intervention starts of each month: families treated as usual, months; dims (replication, arm, month, intervention).
        """
    @property
    def wait_months_solution(self) -> typing.Any:
        """
        summed queue wait (decision to start) of the intervention starts of each month: families inside the solution, months; dims (replication, arm, month, intervention).
        """
class ReplicationOptions:
    """
    What each replication records beyond the arrays every run has.
    """
    def __init__(self, family_costs: bool = False, bookings: bool = False) -> None:
        ...
    @property
    def bookings(self) -> bool:
        """
        Also record the booking log.
        """
    @property
    def family_costs(self) -> bool:
        """
        Also record the per-family output.
        """
class Provenance:
    """
    Where results came from: root attributes and line metadata of a file.
    """
    def __init__(self, scenario_text: str, scenario_name: str, git_revision: str = ..., lines: collections.abc.Sequence[LedgerLine] = []) -> None:
        ...
    @property
    def compression(self) -> str:
        """
        How the file's arrays are compressed ('none', 'szip' or 'deflate:N'), as read from it.
        """
    @property
    def created(self) -> str:
        """
        ISO 8601 UTC.
        """
    @property
    def engine_version(self) -> str:
        ...
    @property
    def git_revision(self) -> str:
        ...
    @property
    def lines(self) -> list[LedgerLine]:
        """
        The ledger lines (LedgerLine list); empty without line metadata.
        """
    @property
    def scenario_name(self) -> str:
        ...
    @property
    def scenario_text(self) -> str:
        """
        The scenario as stored (tvaer writes canonical JSON).
        """
    @property
    def schema_version(self) -> int:
        ...
class Transfer:
    """
    One movement: `from_` pays (or takes over cost), `to` is paid (relieved).
    """
    @property
    def amount(self) -> int:
        """
        øre, > 0
        """
    @property
    def books(self) -> str:
        ...
    @property
    def cost_shift(self) -> bool:
        ...
    @property
    def from_(self) -> int:
        ...
    @property
    def rule(self) -> str:
        ...
    @property
    def to(self) -> int:
        ...
    @property
    def year(self) -> int:
        ...
class IncentiveRow:
    """
    Who invests, who gains and by when, for one budget.
    """
    @property
    def break_even_after(self) -> int | None:
        ...
    @property
    def break_even_before(self) -> int | None:
        ...
    @property
    def budget(self) -> str:
        ...
    @property
    def gained(self) -> int:
        """
        øre
        """
    @property
    def invested(self) -> int:
        """
        øre
        """
    @property
    def present_value_after(self) -> float:
        """
        DKK
        """
    @property
    def present_value_before(self) -> float:
        """
        DKK
        """
    @property
    def role(self) -> str:
        ...
class Settlement:
    """
    One replication settled; tables are (budget, year) in øre.
    """
    @property
    def break_even_total(self) -> int | None:
        ...
    @property
    def budgets(self) -> list[str]:
        ...
    @property
    def difference(self) -> numpy.typing.NDArray[numpy.int64]:
        ...
    @property
    def granted_bau(self) -> numpy.typing.NDArray[numpy.int64]:
        ...
    @property
    def granted_solution(self) -> numpy.typing.NDArray[numpy.int64]:
        ...
    @property
    def gross_bau(self) -> numpy.typing.NDArray[numpy.int64]:
        ...
    @property
    def gross_solution(self) -> numpy.typing.NDArray[numpy.int64]:
        ...
    @property
    def incentives(self) -> list[IncentiveRow]:
        ...
    @property
    def net(self) -> numpy.typing.NDArray[numpy.int64]:
        ...
    @property
    def present_value_total(self) -> float:
        """
        DKK
        """
    @property
    def required(self) -> numpy.typing.NDArray[numpy.int64]:
        ...
    @property
    def settled(self) -> numpy.typing.NDArray[numpy.int64]:
        ...
    @property
    def transfers(self) -> list[Transfer]:
        ...
    @property
    def years(self) -> int:
        ...
class Rule:
    """
    A named allocation rule; make one with the constructors of this module.
    """
    def __repr__(self) -> str:
        ...
    @property
    def name(self) -> str:
        ...
    @property
    def type(self) -> str:
        ...
class UnitItems:
    """
    Members:
    
      inside
    
      salaries
    """
    __members__: typing.ClassVar[dict[str, UnitItems]]
    inside: typing.ClassVar[UnitItems]
    salaries: typing.ClassVar[UnitItems]
    @typing.overload
    def __eq__(self, other: UnitItems) -> bool:
        ...
    @typing.overload
    def __eq__(self, other: typing.Any) -> bool:
        ...
    def __getstate__(self) -> int:
        ...
    def __hash__(self) -> int:
        ...
    def __index__(self) -> int:
        ...
    def __init__(self, value: typing.SupportsInt | typing.SupportsIndex) -> None:
        ...
    def __int__(self) -> int:
        ...
    @typing.overload
    def __ne__(self, other: UnitItems) -> bool:
        ...
    @typing.overload
    def __ne__(self, other: typing.Any) -> bool:
        ...
    def __repr__(self) -> str:
        ...
    def __setstate__(self, state: typing.SupportsInt | typing.SupportsIndex) -> None:
        ...
    def __str__(self) -> str:
        ...
    @property
    def name(self) -> str:
        ...
    @property
    def value(self) -> int:
        ...
class Shortfall:
    """
    Members:
    
      own
    
      pooled
    """
    __members__: typing.ClassVar[dict[str, Shortfall]]
    own: typing.ClassVar[Shortfall]
    pooled: typing.ClassVar[Shortfall]
    @typing.overload
    def __eq__(self, other: Shortfall) -> bool:
        ...
    @typing.overload
    def __eq__(self, other: typing.Any) -> bool:
        ...
    def __getstate__(self) -> int:
        ...
    def __hash__(self) -> int:
        ...
    def __index__(self) -> int:
        ...
    def __init__(self, value: typing.SupportsInt | typing.SupportsIndex) -> None:
        ...
    def __int__(self) -> int:
        ...
    @typing.overload
    def __ne__(self, other: Shortfall) -> bool:
        ...
    @typing.overload
    def __ne__(self, other: typing.Any) -> bool:
        ...
    def __repr__(self) -> str:
        ...
    def __setstate__(self, state: typing.SupportsInt | typing.SupportsIndex) -> None:
        ...
    def __str__(self) -> str:
        ...
    @property
    def name(self) -> str:
        ...
    @property
    def value(self) -> int:
        ...
class ShareBasis:
    """
    Members:
    
      equal
    
      baseline
    
      invested
    
      gained
    """
    __members__: typing.ClassVar[dict[str, ShareBasis]]
    baseline: typing.ClassVar[ShareBasis]
    equal: typing.ClassVar[ShareBasis]
    gained: typing.ClassVar[ShareBasis]
    invested: typing.ClassVar[ShareBasis]
    @typing.overload
    def __eq__(self, other: ShareBasis) -> bool:
        ...
    @typing.overload
    def __eq__(self, other: typing.Any) -> bool:
        ...
    def __getstate__(self) -> int:
        ...
    def __hash__(self) -> int:
        ...
    def __index__(self) -> int:
        ...
    def __init__(self, value: typing.SupportsInt | typing.SupportsIndex) -> None:
        ...
    def __int__(self) -> int:
        ...
    @typing.overload
    def __ne__(self, other: ShareBasis) -> bool:
        ...
    @typing.overload
    def __ne__(self, other: typing.Any) -> bool:
        ...
    def __repr__(self) -> str:
        ...
    def __setstate__(self, state: typing.SupportsInt | typing.SupportsIndex) -> None:
        ...
    def __str__(self) -> str:
        ...
    @property
    def name(self) -> str:
        ...
    @property
    def value(self) -> int:
        ...
class RequirementPart:
    def __init__(self, per_year: collections.abc.Sequence[typing.SupportsFloat | typing.SupportsIndex], shares: collections.abc.Mapping[str, typing.SupportsFloat | typing.SupportsIndex], kind: CostKind | None = None) -> None:
        ...
    @property
    def kind(self) -> CostKind | None:
        ...
    @property
    def per_year(self) -> list[float]:
        ...
    @property
    def shares(self) -> dict[str, float]:
        ...
class LineYears:
    """
    One replication's yearly DKK per ledger line, both arms.
    """
    @property
    def amounts(self) -> numpy.typing.NDArray[numpy.float64]:
        """
        DKK, shape (arm, line, year).
        """
    @property
    def budgets(self) -> list[str]:
        ...
    @property
    def years(self) -> int:
        ...
class ExpectedValues:
    """
    Expected values of one treatment (rows or lines x months).
    """
    @property
    def costs(self) -> typing.Annotated[numpy.typing.NDArray[numpy.float64], "[m, n]"]:
        """
        DKK of all families, (line, month); staff in full.
        """
    @property
    def costs_per_family(self) -> typing.Annotated[numpy.typing.NDArray[numpy.float64], "[m, n]"]:
        """
        DKK, (line, month); staff: per family share.
        """
    @property
    def extended_states(self) -> int:
        ...
    @property
    def families(self) -> float:
        ...
    @property
    def group(self) -> Treatment:
        ...
    @property
    def line_sources(self) -> list[str]:
        ...
    @property
    def months(self) -> int:
        ...
    @property
    def occupancy(self) -> typing.Annotated[numpy.typing.NDArray[numpy.float64], "[m, n]"]:
        """
        member-months of all families, (row, month).
        """
    @property
    def occupancy_per_family(self) -> typing.Annotated[numpy.typing.NDArray[numpy.float64], "[m, n]"]:
        """
        member-months, (row, month).
        """
    @property
    def occupancy_rows(self) -> list[str]:
        ...
def allocation_rules(document: Document) -> list[Rule]:
    """
    The rules of the document's [allocation] table, in order; raises ScenarioError for a bad entry.
    """
def append_results(path: str, more: Results) -> None:
    """
    Appends the replications that follow the file's; atomic, the file is unchanged on failure.
    """
def apportion(total: typing.SupportsInt | typing.SupportsIndex, weights: collections.abc.Sequence[typing.SupportsFloat | typing.SupportsIndex]) -> list[int]:
    ...
def break_even_year(yearly: collections.abc.Sequence[typing.SupportsInt | typing.SupportsIndex]) -> int | None:
    """
    First year (0-based) from which the cumulative sum of yearly øre stays >= 0; None if it ends < 0.
    """
def break_even_year_dkk(yearly: collections.abc.Sequence[typing.SupportsFloat | typing.SupportsIndex]) -> int | None:
    """
    break_even_year of yearly DKK amounts.
    """
def budget_costs(costs: typing.Annotated[numpy.typing.ArrayLike, numpy.float64], lines: collections.abc.Sequence[tuple[typing.SupportsInt | typing.SupportsIndex, typing.SupportsInt | typing.SupportsIndex]], budgets: typing.SupportsInt | typing.SupportsIndex, kinds: typing.SupportsInt | typing.SupportsIndex) -> numpy.typing.NDArray[numpy.float64]:
    """
    DKK by (replication, month, budget, arm, kind) from costs by (replication, arm, line, month), each line
    (its (budget, kind) in `lines`) added in line order from zero (tvaer/results.py budget_costs).
    """
def check_compression(compression: str) -> str:
    """
    The compression named by `compression` ('none', 'szip' or 'deflate:1' .. 'deflate:9'); raises ValueError naming the argument, what was given and the choices.
    """
def efficiency_requirement(name: str, parts: collections.abc.Sequence[RequirementPart], settlement: Shortfall = Shortfall.own) -> Rule:
    ...
def engine_bytes(model: Model, seed: typing.SupportsInt | typing.SupportsIndex, replication: typing.SupportsInt | typing.SupportsIndex) -> tuple[int, int]:
    """
    Simulates one replication and returns the bytes of engine state each arm (business as usual, solution)
    held at its end: every array that grows with the population, by capacity (docs/performance.md).
    """
def equal_split(per_year: collections.abc.Sequence[typing.SupportsFloat | typing.SupportsIndex], budgets: collections.abc.Sequence[str], kind: CostKind | None = None) -> RequirementPart:
    ...
def expected(model: Model, treatment: Treatment, max_extended_states: typing.SupportsInt | typing.SupportsIndex = 2048) -> ExpectedValues:
    """
    Expected values of `model` with every family treated with `treatment`; raises TvaerError naming the first unsupported feature.
    """
def fixed_key(name: str, intervention: str, shares: collections.abc.Mapping[str, typing.SupportsFloat | typing.SupportsIndex], solution_group_only: bool = True) -> Rule:
    ...
def fold_moments(mean: numpy.ndarray, m2: numpy.ndarray, seen: typing.SupportsInt | typing.SupportsIndex, sources: collections.abc.Sequence[numpy.ndarray], rows: typing.SupportsInt | typing.SupportsIndex) -> None:
    """
    Folds `rows` replications of `sources` (float64 or uint32 arrays, one row a replication, side by side)
    into the running `mean` and `m2` of `seen` replications, in place (Welford; tvaer/aggregate.py).
    """
def investor_returns(name: str, sectors: collections.abc.Sequence[str], rest: ShareBasis) -> Rule:
    ...
def item_path(base: str, name: str, index: typing.SupportsInt | typing.SupportsIndex) -> str:
    """
    The key path of item `index` of list `base`: `base.name` for a plain name, else `base[index]`.
    """
def ladder_model(families: typing.SupportsInt | typing.SupportsIndex) -> Model:
    """
    The reference benchmark model of shared/bench/ladder.md, compiled.
    """
def make_provenance(model: Model, scenario_text: str, git_revision: str = ...) -> Provenance:
    """
    Provenance of results of `model`: its name and ledger lines.
    """
def own_budget(name: str, items: UnitItems, shares: collections.abc.Mapping[str, typing.SupportsFloat | typing.SupportsIndex] = {}, total: collections.abc.Sequence[typing.SupportsFloat | typing.SupportsIndex] = [], amounts: collections.abc.Mapping[str, collections.abc.Sequence[typing.SupportsFloat | typing.SupportsIndex]] = {}) -> Rule:
    ...
def pay_where_granted(name: str = 'pay where granted') -> Rule:
    ...
def present_value(yearly: collections.abc.Sequence[typing.SupportsInt | typing.SupportsIndex], rate: typing.SupportsFloat | typing.SupportsIndex) -> float:
    """
    Present value in DKK of yearly øre amounts, year y (0-based) discounted by (1 + rate)^-y.
    """
def present_value_dkk(yearly: collections.abc.Sequence[typing.SupportsFloat | typing.SupportsIndex], rate: typing.SupportsFloat | typing.SupportsIndex) -> float:
    """
    present_value of yearly DKK amounts.
    """
def read_provenance(path: str) -> Provenance:
    """
    Reads the provenance of a results file.
    """
def read_results(path: str) -> Results:
    """
    Reads the arrays of a results file, bit for bit.
    """
def require_analytic_support(model: Model, treatment: Treatment) -> None:
    """
    Raises the TvaerError `expected` would raise for `model` and `treatment`; returns None if supported.
    """
def result_arrays() -> list:
    """
    The table of result arrays: name, dims, units, long_name, optional (a file may lack it).
    """
def retrospective(name: str, sectors: collections.abc.Sequence[str], basis: ShareBasis) -> Rule:
    ...
def run(model: Model, seed: typing.SupportsInt | typing.SupportsIndex, first_replication: typing.SupportsInt | typing.SupportsIndex, replications: typing.SupportsInt | typing.SupportsIndex, threads: typing.SupportsInt | typing.SupportsIndex = 1, progress: typing.Any = None, record: ReplicationOptions = ..., deliver: typing.Any = None, block: typing.SupportsInt | typing.SupportsIndex = 0) -> Results:
    """
    Runs replications [first, first + replications) of both arms in C++ threads, GIL released;
    `record` (ReplicationOptions) says what else to record: per-family output, booking log.
    With `deliver`, every `block` consecutive replications are passed to deliver(results) as they
    complete while the threads go on (it returns False to stop); the rest is returned.
    """
def salary_key(name: str, shares: collections.abc.Mapping[str, typing.SupportsFloat | typing.SupportsIndex]) -> Rule:
    ...
def settle(lines: LineYears, rules: collections.abc.Sequence[Rule], discount_rate: typing.SupportsFloat | typing.SupportsIndex = 0.0) -> Settlement:
    """
    Applies `rules` in order to one replication's yearly lines.
    """
def shapley(name: str, players: collections.abc.Sequence[str], tables: collections.abc.Sequence[collections.abc.Sequence[typing.SupportsFloat | typing.SupportsIndex]]) -> Rule:
    ...
def shapley_values(players: typing.SupportsInt | typing.SupportsIndex, table: collections.abc.Sequence[typing.SupportsFloat | typing.SupportsIndex]) -> list[float]:
    """
    Exact Shapley values; table[mask], bit i = player i.
    """
def to_ore(dkk: typing.SupportsFloat | typing.SupportsIndex, where: str = 'amount') -> int:
    ...
def write_results(path: str, results: Results, provenance: Provenance, compression: str = 'szip') -> None:
    """
    Writes results atomically (via path + '.tmp'), the arrays compressed by `compression`; raises ResultsFileError naming the path.
    """
def yearly_lines(model: Model, results: Results, index: typing.SupportsInt | typing.SupportsIndex) -> LineYears:
    """
    Replication `index` (0-based within `results`) summed into years of 12 months.
    """
DEFAULT_COMPRESSION: str = 'szip'
GIT_REVISION: str
RESULTS_SCHEMA_VERSION: int = 1
SCENARIO_SCHEMA_VERSION: int = 1
START_YEARS: tuple = (1900, 2200)
__version__: str
