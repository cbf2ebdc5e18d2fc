"""Adverse events by group: participants with any, serious and treatment-related events."""

from __future__ import annotations

import pandas as pd

from analysis.stats import number

RELATED = ("possible", "probable", "definite")


def adverse_events(events: pd.DataFrame, participants: pd.DataFrame, order) -> dict:
    """{any|serious|related: {<group>: {n, pct}}, events: {<group>: int}}.

    `n` counts participants (pct of the group's randomized participants);
    related means relatedness possible, probable or definite.
    """
    arm = participants.set_index("participant_id")["arm"]
    events = events.assign(arm=events["participant_id"].map(arm))
    events = events[events["arm"].notna()]
    size = participants["arm"].value_counts()
    kinds = {
        "any": pd.Series(True, index=events.index),
        "serious": events["serious"].astype("boolean").fillna(False).astype(bool),
        "related": events["relatedness"].isin(RELATED),
    }
    table = {}
    for kind, selected in kinds.items():
        who = events[selected.to_numpy()].drop_duplicates("participant_id")["arm"].value_counts()
        table[kind] = {
            g: {
                "n": int(who.get(g, 0)),
                "pct": number(100 * who.get(g, 0) / size[g]) if size.get(g, 0) else None,
            }
            for g in order
        }
    per_group = events["arm"].value_counts()
    table["events"] = {g: int(per_group.get(g, 0)) for g in order}
    return table
