"""Which of a town's lists a matter falls under: handle it, assist an upper department, or refuse it.

The 龙角镇 lists say what the town does itself (基本履职), where it assists a county department
(配合履职), and what county departments took back (收回, some discontinued outright). A matter
arriving at the town (a hotline ticket, a grid report) is matched against all three by the
overlap of its character bigrams with each item's wording — Chinese has no word boundaries, and
bigrams are what the documents' paraphrases share. The result is a ranked suggestion with the
reason, for a person or a routing worker to act on; it is not a legal determination.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from xietong.catalog.model import DutyList

Verdict = Literal["town_handles", "town_assists", "refuse_taken_back", "refuse_discontinued"]

_NOISE = re.compile(r"[\s，。、；：:,.;“”\"'（）()《》0-9]")


def bigrams(text: str) -> set[str]:
    text = _NOISE.sub("", text)
    return {text[i:i + 2] for i in range(len(text) - 1)}


@dataclass(frozen=True)
class DutyMatch:
    """One list item a matter may fall under, with what the town should do about it."""

    list_id: str
    part: Literal["basic", "coordinating", "taken_back"]
    number: int
    title: str
    score: float
    verdict: Verdict
    departments: tuple[str, ...]
    reason: str


def _score(query: set[str], text: str) -> float:
    if not query:
        return 0.0
    return len(query & bigrams(text)) / len(query)


def match_matter(duty_list: DutyList, matter: str, limit: int = 5,
                 threshold: float = 0.35) -> list[DutyMatch]:
    """The list items best matching ``matter``, best first (score = share of its bigrams found)."""
    query = bigrams(matter)
    found: list[DutyMatch] = []
    for duty in duty_list.basic:
        score = _score(query, duty.text)
        if score >= threshold:
            reason = f"基本履职事项 {duty.number}（{duty.category}）：由{duty_list.town}办理"
            found.append(DutyMatch(duty_list.id, "basic", duty.number, duty.text, score, "town_handles",
                                   (), reason))
    for item in duty_list.coordinating:
        score = max(_score(query, item.title), _score(query, " ".join(item.town_duties)))
        if score >= threshold:
            found.append(DutyMatch(
                duty_list.id, "coordinating", item.number, item.title, score, "town_assists",
                tuple(item.upper_departments),
                f"配合履职事项 {item.number}：{'、'.join(item.upper_departments)}主责，{duty_list.town}配合",
            ))
    for taken in duty_list.taken_back:
        score = _score(query, taken.title)
        if score < threshold:
            continue
        if taken.discontinued:
            verdict: Verdict = "refuse_discontinued"
            method = f"（{taken.working_method}）" if taken.working_method else ""
            reason = f"收回事项 {taken.number}：已不再开展{method}"
        else:
            verdict = "refuse_taken_back"
            receivers = "、".join(taken.receiving_departments)
            reason = f"收回事项 {taken.number}：由{receivers}承接，{duty_list.town}不再办理"
        found.append(DutyMatch(duty_list.id, "taken_back", taken.number, taken.title, score, verdict,
                               tuple(taken.receiving_departments), reason))
    found.sort(key=lambda m: (-m.score, m.part, m.number))
    return found[:limit]
