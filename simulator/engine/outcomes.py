"""The outcome vocabulary: every word the engine writes in an ``outcome`` or ``exit_reason`` column.

The engine and :mod:`simulator.metrics` both read these names from here, so that a metric never counts a word
the engine does not write. They are plain strings (the record tables hold strings); each group below is one
column's vocabulary.
"""

from __future__ import annotations

from typing import Final

# ---- visits (a queue at a clinic, the access point or a housing programme) and referral endings --------
SERVED: Final = "served"
"""Seen by staff (a clinic, the access point) or moved in (the visit row of a housing programme)."""
RENEGED: Final = "reneged"
"""Gave up waiting (the service's patience)."""
LOST_WAITING: Final = "lost_waiting"
"""The referral's loss clock ran out while the client waited at the receiver."""
BALKED: Final = "balked"
"""Turned away at the door: the waitlist was full."""
EXITED: Final = "exited"
"""The client's episode ended while they waited or were served."""
CENSORED: Final = "censored"
"""Still open at the horizon (a visit, a referral, a need or an episode)."""

# ---- referrals -----------------------------------------------------------------------------------------
HOUSED: Final = "housed"
"""A housing referral ended with the client moved in (also the episode's exit reason)."""
LOST_HANDOFF: Final = "lost_handoff"
"""Lost between the sender and the receiver: the client never arrived."""
INELIGIBLE: Final = "ineligible"
"""Refused by an eligibility rule of the integrated regime."""
CLIENT_EXITED: Final = "client_exited"
"""The client's episode ended while the referral was under way."""

COMPLETED: Final = (SERVED, HOUSED)
"""Referral outcomes that count as completed."""
LOST: Final = (LOST_HANDOFF, LOST_WAITING, RENEGED, BALKED, INELIGIBLE)
"""Referral outcomes that count as lost."""

# ---- needs ---------------------------------------------------------------------------------------------
MET: Final = "met"
"""The need was met (by a clinic that treats it, or by moving in)."""
OPEN_AT_EXIT: Final = "open_at_exit"
"""The episode ended with the need still open."""

# ---- episodes: exit reasons ----------------------------------------------------------------------------
SELF_RESOLVED: Final = "self_resolved"
"""The client resolved their situation on their own (the self-resolution hazard)."""
NEEDS_MET: Final = "needs_met"
"""Every service need met (textbook models with ``exit_when_needs_met``)."""
