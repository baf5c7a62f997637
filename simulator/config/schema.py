"""The scenario schema: every field a scenario file may hold, its unit and its bounds.

A scenario is read from YAML into these frozen pydantic models (``extra="forbid"``: a misspelt field is an
error, never silently ignored). Durations carry units (see :mod:`simulator.config.units`), probabilities are
checked to lie in [0, 1] and mixes to sum to 1. Checks that span several parts of a file (a referral naming a
service that does not exist, a regime that needs the integrated settings) live in
:mod:`simulator.config.checks` so that they can run even when other parts of the file are broken, and every
problem is reported at once.

Variants are derived, never mutated: ``scenario.model_copy(update=...)`` or :func:`with_regime`.
"""

from __future__ import annotations

import calendar
import math
import unicodedata
from datetime import date
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, model_validator

from simulator.config.bounds import NOT_BOOL, at_most
from simulator.config.distributions import Distribution, Fixed
from simulator.config.units import MAX_DURATION_DAYS as MAX_DURATION_DAYS
from simulator.config.units import MAX_DURATION_YEARS as MAX_DURATION_YEARS
from simulator.config.units import MAX_RATE_PER_DAY as MAX_RATE_PER_DAY
from simulator.config.units import Duration, Rate, TimeOfDay

# ---------------------------------------------------------------------------------------------- ceilings
#
# Every number of a scenario is finite and lies below a stated ceiling, far above any real city, so that a
# typo (an extra digit, 1e400 read as infinity) is refused when the file is read instead of running forever
# or failing halfway through a run. Durations and rates are bounded where they are parsed
# (:data:`~simulator.config.units.MAX_DURATION_YEARS`, :data:`~simulator.config.units.MAX_RATE_PER_DAY`).

MAX_HORIZON_YEARS = MAX_DURATION_YEARS
"""The longest horizon, and the longest warm-up, in years (as any duration)."""
MAX_PLACES = 1_000_000
"""The most beds of a shelter (``capacity``, ``winter_capacity``), places of a housing programme
(``slots``), places in a waiting list (``waitlist_cap``) and clients already homeless (``initial_stock.count``)."""
MAX_STAFF = 100_000
"""The most staff (or teams) of one service."""
MAX_CASES = 100_000
"""The most cases one case conference may discuss (``max_cases``)."""
MAX_OPEN_NEEDS = 100
"""The highest ``escalation.min_open_needs``."""
MAX_REPLICATIONS = 100_000
"""The most replications of a scenario (in a file or on the command line)."""
MAX_BUDGET = 100_000
"""The most evaluations a calibration may spend (``method.budget``, ``--budget``)."""
MAX_SEED = 2**63 - 1
"""The largest root seed: a seed is a whole number with ``0 <= seed <= MAX_SEED`` (it fits in 64 bits)."""
MAX_WEIGHT = 1_000.0
"""The largest size of a priority weight or of ``target_pressure`` (points of the integrated score)."""
MAX_MULTIPLIER = 100.0
"""The largest seasonal multiplier of the inflow rate."""
MIN_START_DATE = date(1800, 1, 1)
MAX_START_DATE = date(2500, 12, 31)
"""The range of ``start_date`` (a run of the longest warm-up and horizon still ends in a real calendar)."""
MAX_NAME_LENGTH = 200
"""The longest name of a scenario, a service or a regime."""
MAX_RATIO = 100.0
MAX_HOURLY_COST = 100_000.0
"""The highest cost of one staff hour (any currency)."""
"""The largest hazard ratio or duration multiplier (an open need's effect on a client's path)."""


# ---------------------------------------------------------------------------------------------- vocabulary

NEEDS = ("shelter", "primary_care", "mental_health", "substance_use", "housing", "income_documents")
"""Every need a client can have. ``shelter`` is met night by night by shelters; the others by services."""
SERVICE_NEEDS = NEEDS[1:]
"""Needs pursued through referrals and met by a clinic or a housing programme."""
PATTERNS = ("transitional", "episodic", "chronic")
GENDERS = ("man", "woman", "other")
AGE_GROUPS = ("youth", "adult", "senior")
ADJUSTMENT_TYPES = ("unilateral", "bilateral", "multilateral", "integrated")
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")

Need = Literal["primary_care", "mental_health", "substance_use", "housing", "income_documents"]
Pattern = Literal["transitional", "episodic", "chronic"]
Gender = Literal["man", "woman", "other"]
AgeGroup = Literal["youth", "adult", "senior"]
AdjustmentType = Literal["unilateral", "bilateral", "multilateral", "integrated"]
Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]

def _within(limit: float) -> AfterValidator:
    """A size ceiling for numbers that may be negative: ``-limit <= value <= limit``."""
    def check(value: float) -> float:
        if abs(value) > limit:
            raise ValueError(f"must be between -{limit:,g} and {limit:,g}")
        return value

    return AfterValidator(check)


# whole numbers in [low, high]; true/false are refused
Places = Annotated[int, NOT_BOOL, Field(ge=0), at_most(MAX_PLACES)]
Replications = Annotated[int, NOT_BOOL, Field(ge=1), at_most(MAX_REPLICATIONS)]
Seed = Annotated[int, NOT_BOOL, Field(ge=0), at_most(MAX_SEED)]

Staff = Annotated[int, NOT_BOOL, Field(ge=1), at_most(MAX_STAFF)]
Probability = Annotated[float, NOT_BOOL, Field(ge=0.0, le=1.0)]
Weight = Annotated[float, NOT_BOOL, _within(MAX_WEIGHT)]
Ratio = Annotated[float, NOT_BOOL, Field(gt=0), at_most(MAX_RATIO)]
"""A hazard ratio or a multiplier of a duration: more than 0 (1 = no effect)."""
MIX_TOLERANCE = 1e-6

_FORBIDDEN_IN_NAMES = ".:[]"


def _name(value: str) -> str:
    """A name that can be written in a field path, on a command line and in a table: not empty, one line, no
    spaces, dots, colons or brackets, and no control or invisible characters."""
    if not value:
        raise ValueError("a name may not be empty")
    if len(value) > MAX_NAME_LENGTH:
        raise ValueError(f"a name may have at most {MAX_NAME_LENGTH} characters")
    for char in value:
        if char.isspace() or unicodedata.category(char)[0] in "CZ":
            raise ValueError(f"{value!r} has a space or an invisible character ({char!a}); "
                             "use letters, digits, '_' or '-'")
        if char in _FORBIDDEN_IN_NAMES:
            raise ValueError(f"{value!r} has {char!r}; use letters, digits, '_' or '-'")
    return value


def _title(value: str) -> str:
    """A scenario's name: one line of visible characters (spaces allowed inside), not empty."""
    if not value.strip():
        raise ValueError("a name may not be empty")
    if len(value) > MAX_NAME_LENGTH:
        raise ValueError(f"a name may have at most {MAX_NAME_LENGTH} characters")
    for char in value:
        if unicodedata.category(char)[0] == "C" or char in "\u2028\u2029":
            raise ValueError(f"the name has a line break or an invisible character ({char!a})")
    return value


Name = Annotated[str, AfterValidator(_name)]
"""The name of a service or of a regime (a key of ``services:`` or ``regimes:``)."""

_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
           "November", "December")


def _month_day(value: str) -> str:
    """A real day of the year written ``MM-DD``; ``02-29`` is one (it exists in leap years)."""
    month, day = (int(part) for part in value.split("-"))
    if not 1 <= month <= 12:
        raise ValueError(f"{value!r} is not a real date (month {month:02d}; months are 01 to 12)")
    days = calendar.monthrange(2000, month)[1]  # a leap year: 02-29 is a real day
    if not 1 <= day <= days:
        raise ValueError(f"{value!r} is not a real date ({_MONTHS[month - 1]} has days 01 to {days:02d})")
    return value


def _not_leap_day(value: str) -> str:
    if value == "02-29":
        raise ValueError("'02-29' exists only in leap years: the count would be missing in other years; "
                         "use 02-28 or 03-01")
    return value


MonthDay = Annotated[str, Field(pattern=r"^\d{2}-\d{2}$"), AfterValidator(_month_day)]
"""A day of the year, ``MM-DD``."""


def _start_date(value: Any) -> Any:
    if isinstance(value, bool | int | float):  # pydantic would read a number as seconds since 1970
        raise ValueError("expected a date written YYYY-MM-DD, e.g. 2022-01-01")
    return value


def _date_in_range(value: date) -> date:
    if not MIN_START_DATE <= value <= MAX_START_DATE:
        raise ValueError(f"must lie between {MIN_START_DATE.isoformat()} and {MAX_START_DATE.isoformat()}")
    return value


def _sums_to_one(mix: dict[str, float]) -> dict[str, float]:
    total = math.fsum(mix.values())
    if mix and abs(total - 1.0) > MIX_TOLERANCE:
        raise ValueError(f"shares must sum to 1, these sum to {total:g}")
    if not mix:
        raise ValueError("give at least one share")
    return mix


class Frozen(BaseModel):
    """Base of every config object: immutable, and no field the schema does not know."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True, allow_inf_nan=False)


# ---------------------------------------------------------------------------------------------- population

class Attributes(Frozen):
    """Shares of client attributes in the inflow (each mix sums to 1)."""

    gender: Annotated[dict[Gender, Probability], AfterValidator(_sums_to_one)] = {"man": 1.0}
    age_group: Annotated[dict[AgeGroup, Probability], AfterValidator(_sums_to_one)] = {"adult": 1.0}
    indigenous: Probability = 0.0
    pattern: Annotated[dict[Pattern, Probability], AfterValidator(_sums_to_one)] = {"transitional": 1.0}


class NeedPrevalence(Frozen):
    """Probability that a client has each need when their episode starts (independent draws).

    ``by_pattern`` overrides the base probabilities for one shelter-use pattern: chronic users carry more
    co-occurring needs than transitional ones.
    """

    base: dict[Need, Probability] = {}
    by_pattern: dict[Pattern, dict[Need, Probability]] = {}


class Inflow(Frozen):
    """New clients: a Poisson process whose rate follows the months of the year."""

    rate: Rate
    seasonal: list[Annotated[float, NOT_BOOL, Field(ge=0), at_most(MAX_MULTIPLIER)]] | None = Field(
        default=None, description="12 multipliers of the rate, January to December"
    )

    @model_validator(mode="after")
    def _twelve_months(self) -> Inflow:
        if self.seasonal is not None and len(self.seasonal) != 12:
            raise ValueError(f"'seasonal' needs 12 monthly multipliers, got {len(self.seasonal)}")
        return self


class InitialStock(Frozen):
    """Clients already homeless when the simulation starts (a point-in-time count)."""

    count: Places = 0
    pattern: Annotated[dict[Pattern, Probability], AfterValidator(_sums_to_one)] | None = None
    time_homeless: Distribution = Fixed(value=0.0)


class ShelterUse(Frozen):
    """How clients of one shelter-use pattern use emergency shelters.

    A client alternates shelter stays and gaps. During a gap they stay in other accommodation (friends,
    institutions) with probability ``gap_other_share`` and sleep outdoors otherwise; after the gap they ask
    for a bed every night until admitted. A share ``avoidance`` of clients never ask a shelter and sleep
    outdoors (or elsewhere) for the whole episode: the people outreach teams exist to meet. In the winter
    season a gap spent outdoors lasts ``winter_outdoor_gap`` times its drawn length: cold nights bring people
    to ask for a bed sooner (1 = no seasonal effect). Each winter, an avoidant client asks for a bed after
    all with probability ``winter_seek`` (drawn at the start of each winter, or of the episode if it starts
    in winter); such a client uses shelters like the others until the winter ends (a stay ends on the first
    morning after the season at the latest, and they leave the line at its end), then avoids them again.
    """

    stay: Distribution
    gap: Distribution
    gap_other_share: Probability = 0.5
    avoidance: Probability = 0.0
    winter_outdoor_gap: Annotated[float, Field(gt=0, le=1)] = Field(
        default=1.0, description="share of its length an outdoor gap lasts when it starts in winter")
    winter_seek: Probability = Field(
        default=0.0, description="share of avoidant clients who ask for a bed during a winter (drawn each winter)")
    stay_ratio: dict[Need, Ratio] = Field(
        default={}, description="multiplier of a stay's drawn length for each need not met when the stay begins")
    seek_when_met: list[Need] = Field(
        default=[], description="an avoidant client starts asking for beds once one of these needs is met")


class Exits(Frozen):
    """How episodes of homelessness end other than by a housing programme."""

    self_resolution_mean: dict[Pattern, Duration] = Field(
        default={}, description="mean time to resolve on one's own (exponential); absent = never"
    )
    return_after_housing_mean: Duration | None = Field(
        default=None, description="mean time from moving in to a return to homelessness, while housed"
    )
    return_after_resolution_mean: Duration | None = Field(
        default=None, description="mean time from a self-resolved exit to a return, if any"
    )
    return_after_housing_share: Probability = Field(
        default=1.0, description="share of housed clients who would return (the others never do)")
    return_after_resolution_share: Probability = Field(
        default=1.0, description="share of self-resolved clients who return some day (the others never do)")
    exit_when_needs_met: bool = Field(
        default=False, description="a client whose service needs are all met leaves (textbook models)"
    )
    self_resolution_hazard_ratio: dict[Need, Ratio] = Field(
        default={}, description="multiplier of the self-resolution hazard while the need is not met")
    return_hazard_ratio: dict[Need, Ratio] = Field(
        default={}, description="multiplier of the hazard of a return (after housing or self-resolution) for "
        "each need not met at the exit (a housing programme's support covers its own needs)")


class Cohort(Frozen):
    """A group entering homelessness together, as in a trial: ``count`` clients of one pattern created at
    ``at``, with their own need probabilities (over the pattern's) and walk-ins tried before everyone's;
    their episodes have source ``cohort``."""

    count: Annotated[int, NOT_BOOL, Field(ge=1), at_most(MAX_PLACES)]
    pattern: Pattern = "chronic"
    needs: dict[Need, Probability] = {}
    entry: list[WalkIn] = Field(default=[], description="the cohort's own walk-ins, tried before `entry`")
    at: Duration = Field(default=0.0, description="when the cohort enters (time 0: after the initial stock)")


class Population(Frozen):
    attributes: Attributes = Attributes()
    needs: NeedPrevalence = NeedPrevalence()
    inflow: Inflow
    initial_stock: InitialStock = InitialStock()
    shelter_use: dict[Pattern, ShelterUse] = {}
    exits: Exits = Exits()
    cohort: Cohort | None = None


# ---------------------------------------------------------------------------------------------- services

class Hours(Frozen):
    """Opening hours: the days and the daily window in which staff serve clients."""

    days: list[Weekday] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
    open: TimeOfDay
    close: TimeOfDay

    @model_validator(mode="after")
    def _ordered(self) -> Hours:
        if self.close <= self.open:
            raise ValueError("'close' must be after 'open' on the same day")
        if not self.days:
            raise ValueError("'days' is empty: the service would never open")
        return self


class Clinic(Frozen):
    """A service with staff as servers: CLSC first line, mental health, addiction/detox, primary care."""

    kind: Literal["clinic"]
    organisation: str | None = None
    staff: Staff
    hours: Hours | None = None
    service_time: Distribution
    discipline: Literal["fifo", "priority"] = "priority"
    patience: Distribution | None = None
    waitlist_cap: Places | None = None
    treats: dict[Need, Probability] = {}


class AccessPoint(Frozen):
    """The coordinated access point of the integrated regime: assessors as servers."""

    kind: Literal["access_point"]
    organisation: str | None = None
    staff: Staff
    hours: Hours | None = None
    patience: Distribution | None = None


class Season(Frozen):
    """A season from ``start`` to ``end`` (``MM-DD``, both included; it may wrap over the new year).

    ``02-29`` is accepted: days are compared as (month, day), so in a year without it a season that starts
    on 02-29 starts on 03-01, and one that ends on 02-29 ends on 02-28.
    """

    start: MonthDay
    end: MonthDay


class Intake(Frozen):
    """The daily window in which a shelter admits clients (within one day: it may not span midnight)."""

    open: TimeOfDay
    close: TimeOfDay

    @model_validator(mode="after")
    def _ordered(self) -> Intake:
        if self.close <= self.open:
            raise ValueError("'close' must be after 'open' on the same day (a window may not span midnight)")
        return self


class Serves(Frozen):
    gender: list[Gender] | None = None
    age_group: list[AgeGroup] | None = None


class Shelter(Frozen):
    """An emergency shelter: a pool of beds per night."""

    kind: Literal["shelter"]
    organisation: str | None = None
    capacity: Places
    winter_capacity: Places | None = None
    intake: Intake = Intake.model_validate({"open": "17:00", "close": "23:00"})
    serves: Serves = Serves()
    staff: Annotated[int, NOT_BOOL, Field(ge=0), at_most(MAX_STAFF)] = 0


class Outreach(Frozen):
    """Street outreach: teams that meet people sleeping outdoors and start referrals."""

    kind: Literal["outreach"]
    organisation: str | None = None
    staff: Staff
    contacts: Rate = Field(description="contacts with unsheltered clients, per day, all teams together")
    offers_shelter: Probability = 0.0


class Housing(Frozen):
    """A housing programme. Places free up either when a tenancy ends (``slots`` and ``tenancy``) or at an
    external rate (``vacancies``: units of a larger stock offered to this population)."""

    kind: Literal["housing"]
    organisation: str | None = None
    slots: Places | None = None
    tenancy: Distribution | None = None
    vacancies: Rate | None = None
    move_in: Distribution = Fixed(value=0.0)
    reserved_share: Probability = 0.0
    discipline: Literal["fifo", "priority"] = "priority"
    patience: Distribution | None = None
    initial_occupancy: Probability = Field(
        default=1.0, description="share of slots taken at the start by earlier tenants; each frees up after "
        "a residual tenancy")
    offer_refusal: Annotated[float, Field(ge=0.0, lt=1.0)] = Field(
        default=0.0, description="chance that a client turns an offered place down; they go back in line")
    support: list[Need] = Field(
        default=[], description="needs the programme's support covers while housed: they do not raise the "
        "return hazard (exits.return_hazard_ratio)")
    reserved_release: Duration | None = Field(
        default=30.0, description="a reserved place that no case-conference client has taken after this long "
        "is offered to the general list (null: never); a reserved vacancy is offered at once")

    @model_validator(mode="after")
    def _one_supply(self) -> Housing:
        if (self.slots is None) == (self.vacancies is None):
            raise ValueError("give either 'slots' (with 'tenancy') or 'vacancies'")
        if self.slots is not None and self.tenancy is None:
            raise ValueError("'slots' needs a 'tenancy' distribution (how long a place stays taken)")
        return self


Service = Annotated[Clinic | AccessPoint | Shelter | Outreach | Housing, Field(discriminator="kind")]


# ---------------------------------------------------------------------------------------------- routes

class WalkIn(Frozen):
    """A client who goes to a service on their own for a need, some time after their episode starts."""

    need: Need
    service: str
    probability: Probability
    delay: Distribution = Fixed(value=0.0)


class Prerequisite(Frozen):
    """A service that takes a need only once other needs are met: income and documents before social housing,
    treatment before treatment-first housing. A handoff or walk-in to ``service`` for ``need`` is not made
    while one of ``requires_met`` is in the client's episode and was not met at least ``delay`` earlier."""

    service: str
    need: Need
    requires_met: list[Need] = Field(min_length=1)
    delay: Duration = Field(default=0.0, description="time after the last prerequisite is met before the "
                            "service takes the need (a file to assemble, an approval)")

    @model_validator(mode="after")
    def _not_itself(self) -> Prerequisite:
        if self.need in self.requires_met:
            raise ValueError(f"a need cannot be its own prerequisite ({self.need!r})")
        return self


class Referral(Frozen):
    """An edge of the referral network: after a contact at ``from`` the client is sent to ``to``."""

    from_: str | list[str] = Field(alias="from", description="a sender, or a list of senders sharing the edge")
    to: str
    needs: list[Need] = Field(min_length=1)
    probability: Probability
    tie: Probability = Field(
        default=0.0, description="share of handoffs on this edge made by two workers who know each other"
    )

    @property
    def senders(self) -> list[str]:
        return [self.from_] if isinstance(self.from_, str) else list(self.from_)


# ---------------------------------------------------------------------------------------------- handoffs

class Loss(Frozen):
    base: Probability = 0.0
    hazard: Rate = Field(default=0.0, description="chance per waiting day that the referral is dropped")


class StaffTime(Frozen):
    sender: Duration = 0.0
    receiver: Duration = 0.0


class Accompaniment(Frozen):
    probability: Probability
    staff_time: Duration


class HandoffType(Frozen):
    """What one adjustment type does to a referral: delay, loss, information, staff time, priority."""

    latency: Distribution = Fixed(value=0.0)
    loss: Loss = Loss()
    intake: Duration = Field(default=0.0, description="receiver's intake time added to the first visit")
    staff_time: StaffTime = StaffTime()
    accompaniment: Accompaniment | None = None
    queue_jump: Probability = 0.0


class Conference(Frozen):
    """The case conference (table de concertation) where multilateral decisions are made."""

    every: Annotated[Duration, Field(gt=0)] = Field(
        default=7.0, description="time between two conferences (more than zero: a conference every instant never "
        "lets the clock move)")
    weekday: Weekday = Field(default="tue", description="weekday of the first meeting")
    time: TimeOfDay = 10 / 24
    duration: Duration = 1.5 / 24
    participants: list[str] = []
    max_cases: Annotated[int, NOT_BOOL, Field(ge=1), at_most(MAX_CASES)] = 20
    days: Annotated[list[Weekday], Field(min_length=1)] = Field(
        default=["mon", "tue", "wed", "thu", "fri"],
        description="weekdays on which the conference may meet: a meeting due on another day, or on a holiday, "
        "is not held and its cases wait for the next")
    holidays: list[date] = Field(default=[], description="dates (YYYY-MM-DD) on which no meeting is held")

    @model_validator(mode="after")
    def _first_meeting_on_a_meeting_day(self) -> Conference:
        if self.weekday not in self.days:
            raise ValueError(f"the first meeting's weekday {self.weekday!r} is not one of the meeting days "
                             f"{self.days}")
        return self


class Multilateral(HandoffType):
    conference: Conference = Conference()
    reserved_slot: bool = True


class PriorityWeights(Frozen):
    """Points of the integrated regime's priority score (higher score = served sooner)."""

    complexity: Weight = 1.0
    chronic: Weight = 2.0
    years_homeless: Weight = 0.5
    indigenous: Weight = 0.0
    woman: Weight = 0.0


class Eligibility(Frozen):
    """A rule of the integrated regime: ``service`` takes only clients whose ``requires_met`` needs are met
    (e.g. sobriety before treatment-first housing)."""

    service: str
    requires_met: list[Need] = Field(min_length=1)


class Integrated(HandoffType):
    """The bureaucratic counterfactual: every referral passes through one coordinated access point."""

    access_point: str
    assessment: Distribution
    data_entry: Duration = 0.0
    priority: PriorityWeights = PriorityWeights()
    eligibility: list[Eligibility] = []
    target_pressure: Annotated[float, NOT_BOOL, Field(ge=0), at_most(MAX_WEIGHT)] = Field(
        default=0.0, description="points removed per open need: providers favour clients likely to succeed"
    )


class Handoffs(Frozen):
    re_referral_after: Duration = Field(
        default=0.0, description="a contact refers a need again only if its last referral is at least this old")
    unilateral: HandoffType = HandoffType()
    bilateral: HandoffType = HandoffType()
    multilateral: Multilateral = Multilateral()
    integrated: Integrated | None = None


# ---------------------------------------------------------------------------------------------- regimes

class Escalation(Frozen):
    """A complex client with a need still unresolved after ``after`` goes to the next case conference."""

    min_open_needs: Annotated[int, NOT_BOOL, Field(ge=1), at_most(MAX_OPEN_NEEDS)] = 2
    after: Duration = 14.0


def _assignment(value: Any) -> Any:
    return value


Assignment = Annotated[
    Literal["ties", "unilateral", "bilateral", "multilateral", "integrated"]
    | Annotated[dict[Literal["unilateral", "bilateral", "multilateral"], Probability],
                AfterValidator(_sums_to_one)],
    BeforeValidator(_assignment),
]


class Regime(Frozen):
    """How the adjustment type of each handoff is chosen.

    ``assignment``: ``ties`` (bilateral where the edge's two workers know each other, else unilateral), one
    type for every handoff, or a mix of the three mutual-adjustment types. ``escalation``: complex clients
    stuck for long enough go to the case conference (multilateral). ``conference``: a regime that relies on
    case conferences for every handoff holds them more often than the organic system does.
    """

    description: str = ""
    assignment: Assignment
    escalation: Escalation | None = None
    conference: Conference | None = Field(
        default=None, description="case-conference settings under this regime (default: handoffs.multilateral)")


BUILTIN_REGIMES: dict[str, Regime] = {
    "organic": Regime(
        description="the observed mix: bilateral where a tie exists, unilateral otherwise, "
        "multilateral by escalation of complex clients",
        assignment="ties",
        escalation=Escalation(),
    ),
    "unilateral": Regime(description="every handoff unilateral disjoined", assignment="unilateral"),
    "bilateral": Regime(description="every handoff bilateral joined", assignment="bilateral"),
    "multilateral": Regime(description="every handoff decided in a case conference", assignment="multilateral"),
    "integrated": Regime(
        description="formally integrated: one coordinated access point, standard assessment, priority score",
        assignment="integrated",
    ),
}


# ---------------------------------------------------------------------------------------------- scenario

ServiceKind = Literal["clinic", "access_point", "shelter", "outreach"]


class Resources(Frozen):
    """The staff a scenario pays for, what an hour of each costs, and how regimes are put on equal resources.

    Every staffed service's ``staff`` are full-time equivalents (FTE) paid ``hours_per_week`` each, whatever
    the service's opening hours; the access point is paid only under a regime that uses it. With ``equal``
    every regime has the same FTE: under ``rule: from_clinics`` the access point's staff are taken out of
    the clinics (one at a time from the clinic with the most staff, each keeping one); under ``to_clinics`` a
    regime that does not use the access point gives its staff to the clinics instead (in proportion to their
    staff). See docs/model.md section 4.5.
    """

    hours_per_week: Annotated[Duration, Field(gt=0)] = Field(
        default=35 / 24, description="paid hours of one full-time staff member a week")
    hourly_cost: dict[ServiceKind, Annotated[float, NOT_BOOL, Field(ge=0), at_most(MAX_HOURLY_COST)]] = Field(
        default={}, description="cost of one paid staff hour by kind of service (currency units; absent: 0)")
    equal: bool = Field(default=False, description="re-staff every regime to the same total staff")
    rule: Literal["from_clinics", "to_clinics"] = Field(
        default="from_clinics", description="how the access point's staff are balanced under 'equal'")


class Outputs(Frozen):
    event_log: bool = Field(default=False, description="keep the HMIS-shaped event log (can be large)")
    census_time: TimeOfDay = Field(default=3 / 24, description="hour of the nightly point-in-time count")
    count_date: Annotated[MonthDay, AfterValidator(_not_leap_day)] | None = Field(
        default=None, description="month and day (MM-DD) of the one-night count; default: that of start_date")


class Scenario(Frozen):
    """A complete, validated scenario."""

    name: Annotated[str, AfterValidator(_title)]
    description: str = ""
    start_date: Annotated[date, BeforeValidator(_start_date), AfterValidator(_date_in_range)] = date(2022, 1, 1)
    horizon: Annotated[Duration, Field(gt=0)] = Field(
        description=f"observed period, after the warm-up (at most {MAX_HORIZON_YEARS} years)")
    warmup: Duration = Field(default=0.0, description=f"warm-up period (at most {MAX_HORIZON_YEARS} years)")
    replications: Replications = 10
    seed: Seed = 0
    winter: Season = Season(start="11-15", end="04-15")
    population: Population
    services: dict[Name, Service]
    entry: list[WalkIn] = []
    referrals: list[Referral] = []
    prerequisites: list[Prerequisite] = []
    handoffs: Handoffs = Handoffs()
    regimes: dict[Name, Regime] = {}
    regime: str = "organic"
    resources: Resources = Resources()
    outputs: Outputs = Outputs()

    def all_regimes(self) -> dict[str, Regime]:
        """The built-in regimes, overridden or extended by the scenario's own."""
        return {**BUILTIN_REGIMES, **self.regimes}

    @property
    def active_regime(self) -> Regime:
        return self.all_regimes()[self.regime]

    @property
    def end_time(self) -> float:
        """Simulated days from the start to the horizon (warm-up included)."""
        return self.warmup + self.horizon


def with_regime(scenario: Scenario, name: str) -> Scenario:
    """A copy of ``scenario`` running regime ``name`` (raises ``KeyError`` for an unknown name)."""
    if name not in scenario.all_regimes():
        known = ", ".join(sorted(scenario.all_regimes()))
        raise KeyError(f"unknown regime {name!r}; known regimes: {known}")
    return scenario.model_copy(update={"regime": name})
