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

import math
from datetime import date
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, model_validator

from simulator.config.distributions import Distribution, Fixed
from simulator.config.units import Duration, Rate, TimeOfDay

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

Probability = Annotated[float, Field(ge=0.0, le=1.0)]
MIX_TOLERANCE = 1e-6


def _sums_to_one(mix: dict[str, float]) -> dict[str, float]:
    total = math.fsum(mix.values())
    if mix and abs(total - 1.0) > MIX_TOLERANCE:
        raise ValueError(f"shares must sum to 1, these sum to {total:g}")
    if not mix:
        raise ValueError("give at least one share")
    return mix


class Frozen(BaseModel):
    """Base of every config object: immutable, and no field the schema does not know."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


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
    seasonal: list[Annotated[float, Field(ge=0)]] | None = Field(
        default=None, description="12 multipliers of the rate, January to December"
    )

    @model_validator(mode="after")
    def _twelve_months(self) -> Inflow:
        if self.seasonal is not None and len(self.seasonal) != 12:
            raise ValueError(f"'seasonal' needs 12 monthly multipliers, got {len(self.seasonal)}")
        return self


class InitialStock(Frozen):
    """Clients already homeless when the simulation starts (a point-in-time count)."""

    count: Annotated[int, Field(ge=0)] = 0
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
    exit_when_needs_met: bool = Field(
        default=False, description="a client whose service needs are all met leaves (textbook models)"
    )


class Population(Frozen):
    attributes: Attributes = Attributes()
    needs: NeedPrevalence = NeedPrevalence()
    inflow: Inflow
    initial_stock: InitialStock = InitialStock()
    shelter_use: dict[Pattern, ShelterUse] = {}
    exits: Exits = Exits()


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
    staff: Annotated[int, Field(ge=1)]
    hours: Hours | None = None
    service_time: Distribution
    discipline: Literal["fifo", "priority"] = "priority"
    patience: Distribution | None = None
    waitlist_cap: Annotated[int, Field(ge=0)] | None = None
    treats: dict[Need, Probability] = {}


class AccessPoint(Frozen):
    """The coordinated access point of the integrated regime: assessors as servers."""

    kind: Literal["access_point"]
    organisation: str | None = None
    staff: Annotated[int, Field(ge=1)]
    hours: Hours | None = None
    patience: Distribution | None = None


class Season(Frozen):
    start: Annotated[str, Field(pattern=r"^\d{2}-\d{2}$")]
    end: Annotated[str, Field(pattern=r"^\d{2}-\d{2}$")]


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
    capacity: Annotated[int, Field(ge=0)]
    winter_capacity: Annotated[int, Field(ge=0)] | None = None
    intake: Intake = Intake.model_validate({"open": "17:00", "close": "23:00"})
    serves: Serves = Serves()
    staff: Annotated[int, Field(ge=0)] = 0


class Outreach(Frozen):
    """Street outreach: teams that meet people sleeping outdoors and start referrals."""

    kind: Literal["outreach"]
    organisation: str | None = None
    staff: Annotated[int, Field(ge=1)]
    contacts: Rate = Field(description="contacts with unsheltered clients, per day, all teams together")
    offers_shelter: Probability = 0.0


class Housing(Frozen):
    """A housing programme. Places free up either when a tenancy ends (``slots`` and ``tenancy``) or at an
    external rate (``vacancies``: units of a larger stock offered to this population)."""

    kind: Literal["housing"]
    organisation: str | None = None
    slots: Annotated[int, Field(ge=0)] | None = None
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

    every: Duration = 7.0
    weekday: Weekday = "tue"
    time: TimeOfDay = 10 / 24
    duration: Duration = 1.5 / 24
    participants: list[str] = []
    max_cases: Annotated[int, Field(ge=1)] = 20


class Multilateral(HandoffType):
    conference: Conference = Conference()
    reserved_slot: bool = True


class PriorityWeights(Frozen):
    """Points of the integrated regime's priority score (higher score = served sooner)."""

    complexity: float = 1.0
    chronic: float = 2.0
    years_homeless: float = 0.5
    indigenous: float = 0.0
    woman: float = 0.0


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
    target_pressure: Annotated[float, Field(ge=0)] = Field(
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

    min_open_needs: Annotated[int, Field(ge=1)] = 2
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

class Outputs(Frozen):
    event_log: bool = Field(default=False, description="keep the HMIS-shaped event log (can be large)")
    census_time: TimeOfDay = Field(default=3 / 24, description="hour of the nightly point-in-time count")
    count_date: Annotated[str, Field(pattern=r"^\d{2}-\d{2}$")] | None = Field(
        default=None, description="month and day (MM-DD) of the one-night count; default: that of start_date")


class Scenario(Frozen):
    """A complete, validated scenario."""

    name: str
    description: str = ""
    start_date: date = date(2022, 1, 1)
    horizon: Annotated[Duration, Field(gt=0)] = Field(description="observed period, after the warm-up")
    warmup: Duration = 0.0
    replications: Annotated[int, Field(ge=1)] = 10
    seed: Annotated[int, Field(ge=0)] = 0
    winter: Season = Season(start="11-15", end="04-15")
    population: Population
    services: dict[str, Service]
    entry: list[WalkIn] = []
    referrals: list[Referral] = []
    handoffs: Handoffs = Handoffs()
    regimes: dict[str, Regime] = {}
    regime: str = "organic"
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
