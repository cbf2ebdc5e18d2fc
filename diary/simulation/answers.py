"""The answers to the eligibility criteria that give each screened candidate of a
plan their screening outcome, for entering a plan through the screening form."""

import pandas as pd

from diary.simulation.published import published

_detail = list(published()["consort"]["meeting_exclusion_detail"])

# The criteria a candidate met, by the plan's exclusion reason. Where a reason
# covers several criteria, candidates take them in turn.
EXCLUSION_CRITERIA = {
    _detail[0]: ("secondary_cause",),
    _detail[1]: ("recent_vitamin_k",),
}


def screening_answers(screening: pd.DataFrame, criteria: list[dict]) -> dict[str, dict]:
    """{screening_id: {criterion code: answer}} for every screening row.

    `criteria` are the protocol's criteria ({code, kind} as in the presets). The
    eligible (enrolled, declined) meet every inclusion criterion and no exclusion
    one; a candidate not meeting inclusion fails the inclusion criteria unless
    the age alone explains it; a candidate meeting exclusion meets the criteria
    of their reason.
    """
    inclusion = [c["code"] for c in criteria if c["kind"] == "inclusion"]
    exclusion = [c["code"] for c in criteria if c["kind"] == "exclusion"]
    answers = {}
    turn: dict[str, int] = {}
    for row in screening.itertuples(index=False):
        given = {code: True for code in inclusion} | {code: False for code in exclusion}
        if row.outcome == "not_meeting_inclusion" and not str(row.reason).startswith("Younger"):
            given |= {code: False for code in inclusion}
        elif row.outcome == "meeting_exclusion":
            codes = EXCLUSION_CRITERIA[row.reason]
            k = turn.get(row.reason, 0)
            turn[row.reason] = k + 1
            given[codes[k % len(codes)]] = True
        answers[row.screening_id] = given
    return answers
