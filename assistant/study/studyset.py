"""Which cards a candidate studies, as one SQL predicate shared by the review queue and progress.

A card is in a candidate's study set when the index still yields it, the candidate has not
suspended it, and it is either a curated deck card or one the candidate accepted from the inbox
(generated cards) or wrote (kind 'own', accepted by its author when written). Keeping this in one
place means "cards learned out of N" and "what is due" can never disagree about N.
"""

from __future__ import annotations

__all__ = ["in_study_set", "CURATED_KINDS"]

CURATED_KINDS = ("curated",)


def in_study_set(alias: str) -> str:
    """SQL for ``alias`` (a study_cards row) being in the study set of the user bound to the
    two ``?`` placeholders it contains (pass the user twice, in place)."""
    kinds = ", ".join(f"'{k}'" for k in CURATED_KINDS)
    return (f"({alias}.active = 1 AND NOT EXISTS (SELECT 1 FROM card_choices x WHERE "
            f"x.\"user\" = ? AND x.card_id = {alias}.id AND x.status = 'suspended') AND "
            f"({alias}.kind IN ({kinds}) OR EXISTS (SELECT 1 FROM card_choices x WHERE "
            f"x.\"user\" = ? AND x.card_id = {alias}.id AND x.status = 'accepted')))")
