"""Importing a trial data package: checked as a whole first, then written in one
transaction, in bulk (a million diary rows are a few hundred INSERT statements, each
run with executemany), with the audit trail recording every row as created by the
import. The files are streamed: read afresh for each pass, never held whole."""

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from django.db import transaction
from django.utils import timezone

from diary.crypto import seal_arm
from diary.declarations import PARTICIPANT
from diary.models import (
    AdverseEvent,
    Allocation,
    CrampEvent,
    DiaryWeek,
    ListEntry,
    Night,
    Participant,
    ProtocolWeek,
    RandomizationList,
    ScreeningRecord,
    Site,
    Trial,
)
from diary.package.fingerprint import list_fingerprint
from diary.package.history import history_bulk_create
from diary.package.inserts import BATCH, rows_insert
from diary.package.problems import PackageRefused, Problem, ProblemLog
from diary.package.reader import package_read
from diary.package.rows import typed_rows
from diary.package.schema import (
    ADVERSE_EVENTS,
    ALLOCATION,
    CRAMP_EVENTS,
    DIARY,
    FILES,
    NIGHTS,
    PARTICIPANTS,
    SCREENING,
    SITES,
)
from diary.package.validate import Checked, package_check, trial_holds_data
from diary.selectors.trial import trial_or_none
from diary.services.alerts import sae_alerts_queue
from diary.services.audit import ensure_trial_open
from diary.services.calls import week_due, week_start
from diary.services.trial import site_add, trial_create

__all__ = ["BATCH", "ImportResult", "package_import"]


@dataclass(frozen=True)
class ImportResult:
    trial: Trial
    trial_created: bool
    rows: dict[str, int]  # rows imported per file
    scheduled_weeks: int  # empty protocol weeks scheduled for the calls still to come
    list_sha256: str | None
    warnings: list[Problem] = field(default_factory=list)
    warnings_total: int = 0


def package_import(*, path: str | Path, by_user=None) -> ImportResult:
    """Import the package at `path` (a folder or a .zip) into this database.

    A package with trial.json creates the trial in an empty database; without it
    the package is for the trial already configured. A trial that already holds
    data is refused. Any problem refuses the whole package (PackageRefused lists
    them all) and nothing is written. Each serious adverse event imported is alerted
    once the import is committed."""
    package = package_read(path)
    checked = package_check(package, trial=trial_or_none())
    with transaction.atomic():
        result = _PackageWriter(checked, by_user=by_user, source=package.source).run()
        serious = AdverseEvent.objects.filter(participant__trial=result.trial, serious=True)
        sae_alerts_queue(event_ids=serious.values_list("pk", flat=True))
    return result


def _refused(message: str) -> PackageRefused:
    return PackageRefused([Problem(None, None, None, message)])


class _PackageWriter:
    def __init__(self, checked: Checked, *, by_user, source: str):
        self.checked = checked
        self.by_user = by_user
        self.now = timezone.now()
        self.reason = f"Imported from data package {source}"

    def run(self) -> ImportResult:
        trial, created = self._trial()
        self.trial = trial
        self.sites = dict(Site.objects.filter(trial=trial).values_list("code", "pk"))
        self.weeks = {
            (phase, week): pk
            for phase, week, pk in ProtocolWeek.objects.filter(trial=trial).values_list(
                "phase", "week", "pk"
            )
        }
        rows = {SITES: len(self.checked.new_sites)}
        rows[SCREENING] = self._screening()
        rows[PARTICIPANTS] = self._participants()
        sha256, rows[ALLOCATION] = self._randomization_list()
        rows[DIARY] = self._diary()
        scheduled = self._schedule_remaining_weeks()
        if self.checked.nights is not None:
            rows[NIGHTS], rows[CRAMP_EVENTS] = self._nights()
        rows[ADVERSE_EVENTS] = self._adverse_events()
        self._history()
        warnings: ProblemLog = self.checked.warnings
        return ImportResult(
            trial=trial,
            trial_created=created,
            rows=rows,
            scheduled_weeks=scheduled,
            list_sha256=sha256,
            warnings=warnings.items,
            warnings_total=warnings.total,
        )

    def _trial(self) -> tuple[Trial, bool]:
        checked = self.checked
        if checked.trial is None:
            if trial_or_none() is not None:
                raise _refused("a trial was configured while the package was being checked")
            trial = trial_create(**checked.protocol.create, sites=checked.new_sites)
            return trial, True
        trial = Trial.objects.select_for_update().get(pk=checked.trial.pk)
        ensure_trial_open(trial)
        if trial_holds_data(trial):
            raise _refused(f"the trial {trial.code} already holds data; importing is refused")
        for spec in checked.new_sites:
            site_add(trial=trial, **spec)
        return trial, False

    def _screening(self) -> int:
        trial, sites = self.trial.pk, self.sites
        return rows_insert(
            ScreeningRecord,
            (
                (
                    trial,
                    sites[row["site_code"]],
                    row["screening_id"],
                    row["screened_on"],
                    row["sex"],
                    row["age"],
                    row["outcome"],
                    row["reason"] or "",
                )
                for row in self.checked.screening
            ),
            fields=(
                "trial_id",
                "site_id",
                "screening_id",
                "screened_on",
                "sex",
                "age",
                "outcome",
                "reason",
            ),
            now=self.now,
        )

    def _participants(self) -> int:
        screening_pk = dict(
            ScreeningRecord.objects.filter(trial=self.trial).values_list("screening_id", "pk")
        )
        trial, sites = self.trial.pk, self.sites
        # Every column of participants.csv that is a value of the participant record,
        # from the file's declaration: none can be checked and then left out.
        values = [c for c in FILES[PARTICIPANTS].columns if c.name in PARTICIPANT]
        count = rows_insert(
            Participant,
            (
                (
                    trial,
                    sites[row["site_code"]],
                    screening_pk[row["screening_id"]],
                    *("" if row[v.name] is None and v.is_text else row[v.name] for v in values),
                )
                for row in self.checked.participants
            ),
            fields=("trial_id", "site_id", "screening_id", *(v.name for v in values)),
            now=self.now,
        )
        # participant_id -> (pk, consented_on, randomized_on, withdrawn_on)
        self.people = {
            pid: (pk, consented, randomized, withdrawn)
            for pid, pk, consented, randomized, withdrawn in Participant.objects.filter(
                trial=self.trial
            ).values_list("participant_id", "pk", "consented_on", "randomized_on", "withdrawn_on")
        }
        return count

    def _randomization_list(self) -> tuple[str | None, int]:
        """The imported list (arms sealed), and each participant's bottle recorded as
        allocated from it; a list with allocations is frozen."""
        entries = self.checked.allocation
        sha256 = None
        if entries is not None:
            sha256 = list_fingerprint(entries)
            rlist = RandomizationList(
                trial=self.trial,
                source=RandomizationList.Source.IMPORTED,
                method="imported",
                parameters={"file_name": ALLOCATION, "stratify_by": []},
                sha256=sha256,
                created_by=self.by_user,
            )
            rlist._history_user = self.by_user
            rlist._change_reason = self.reason
            rlist.save()
            rows_insert(
                ListEntry,
                (
                    (
                        rlist.pk,
                        row["bottle_number"],
                        seal_arm(row["arm_code"]),
                        bool(row["is_spare"]),
                        *_sealed(rlist, row),
                    )
                    for row in entries
                ),
                fields=(
                    "randomization_list_id",
                    "bottle_number",
                    "arm_sealed",
                    "is_spare",
                    "block_sealed",
                    "stratum_sealed",
                    "stratum_key",
                ),
                now=self.now,
            )
        rlist = RandomizationList.objects.filter(trial=self.trial).first()
        if rlist is not None:
            self._allocations(rlist)
        return sha256, len(entries or ())

    def _allocations(self, rlist: RandomizationList) -> None:
        entry_pk = dict(rlist.entries.values_list("bottle_number", "pk"))
        count = rows_insert(
            Allocation,
            (
                (
                    self.people[row["participant_id"]][0],
                    entry_pk[row["bottle_number"]],
                    Allocation.Kind.RANDOMIZATION.value,
                    row["randomized_on"],
                    self.now,
                    getattr(self.by_user, "pk", None),
                )
                for row in self.checked.participants
            ),
            fields=(
                "participant_id",
                "list_entry_id",
                "kind",
                "allocated_on",
                "allocated_at",
                "by_user_id",
            ),
            now=self.now,
        )
        if count and rlist.frozen_at is None:
            rlist.frozen_at = self.now
            rlist._history_user = self.by_user
            rlist._change_reason = self.reason
            rlist.save(update_fields=["frozen_at"])

    DIARY_FIELDS = (
        "participant_id",
        "protocol_week_id",
        "due_date",
        "call_date",
        "attempts",
        "reached",
        "cramps",
        "duration_min",
        "severity",
        "capsules_missed",
        "source",
    )

    def _diary_weeks(self) -> Iterator[tuple]:
        self.observed: dict[int, set[int]] = {}
        people, weeks, observed = self.people, self.weeks, self.observed
        for _, row in typed_rows(self.checked.diary, FILES[DIARY], ProblemLog()):
            pk, consented, randomized, _ = people[row["participant_id"]]
            phase, week = row["phase"], row["week"]
            start = randomized if phase == "intervention" else consented
            week_pk = weeks[(phase, week)]
            seen = observed.get(pk)
            if seen is None:
                seen = observed[pk] = set()
            seen.add(week_pk)
            reached = row["reached"]
            yield (
                pk,
                week_pk,
                week_due(start=start, week=week),
                row["call_date"],
                1,
                reached,
                row["cramps"],
                row["duration_min"],
                row["severity"],
                row["capsules_missed"],
                row["source"] or ("phone" if reached else ""),
            )

    def _diary(self) -> int:
        return rows_insert(DiaryWeek, self._diary_weeks(), fields=self.DIARY_FIELDS, now=self.now)

    def _schedule_remaining_weeks(self) -> int:
        """Empty diary weeks for the protocol weeks without a row, as enrolment and
        randomization schedule them, so the calls still to come are due. None after
        a withdrawal; empty weeks are not exported."""

        def empty_weeks() -> Iterator[tuple]:
            for pk, consented, randomized, withdrawn in self.people.values():
                seen = self.observed.get(pk, ())
                for (phase, week), week_pk in self.weeks.items():
                    if week_pk in seen:
                        continue
                    start = randomized if phase == "intervention" else consented
                    if withdrawn and week_start(start=start, week=week) > withdrawn:
                        continue
                    yield pk, week_pk, week_due(start=start, week=week)

        return rows_insert(
            DiaryWeek,
            empty_weeks(),
            fields=("participant_id", "protocol_week_id", "due_date"),
            now=self.now,
        )

    def _nights(self) -> tuple[int, int]:
        """The electronic diary's nights, then their cramps (numbered in file order)."""
        nights = (
            (
                self.people[row["participant_id"]][0],
                row["night"],
                row["reported"],
                row["cramps"],
                row["source"],
            )
            for _, row in typed_rows(self.checked.nights, FILES[NIGHTS], ProblemLog())
        )
        count = rows_insert(
            Night,
            nights,
            fields=("participant_id", "night", "reported", "cramps", "source"),
            now=self.now,
        )
        if self.checked.cramp_events is None:
            return count, 0
        night_pk = {
            (participant_pk, night): pk
            for pk, participant_pk, night in Night.objects.filter(
                participant__trial=self.trial
            ).values_list("pk", "participant_id", "night")
        }
        positions: dict[int, int] = {}

        def events() -> Iterator[tuple]:
            table = self.checked.cramp_events
            for _, row in typed_rows(table, FILES[CRAMP_EVENTS], ProblemLog()):
                pk = night_pk[(self.people[row["participant_id"]][0], row["night"])]
                positions[pk] = positions.get(pk, 0) + 1
                yield pk, positions[pk], row["duration_min"], row["severity"]

        cramps = rows_insert(
            CrampEvent,
            events(),
            fields=("night_id", "position", "duration_min", "severity"),
            now=self.now,
        )
        return count, cramps

    def _adverse_events(self) -> int:
        events = [
            AdverseEvent(
                participant_id=self.people[row["participant_id"]][0],
                onset_on=row["onset_on"],
                term=row["term"],
                serious=row["serious"],
                grade=row["grade"],
                relatedness=row["relatedness"],
                outcome=row["outcome"] or "",
                resolved_on=row["resolved_on"],
            )
            for row in self.checked.adverse_events
        ]
        AdverseEvent.objects.bulk_create(events, batch_size=BATCH)
        return len(events)

    def _history(self) -> None:
        stamp = {"by_user": self.by_user, "reason": self.reason, "when": self.now}
        history_bulk_create(ScreeningRecord.objects.filter(trial=self.trial), **stamp)
        history_bulk_create(Participant.objects.filter(trial=self.trial), **stamp)
        history_bulk_create(DiaryWeek.objects.filter(participant__trial=self.trial), **stamp)
        history_bulk_create(AdverseEvent.objects.filter(participant__trial=self.trial), **stamp)
        history_bulk_create(Night.objects.filter(participant__trial=self.trial), **stamp)
        history_bulk_create(
            CrampEvent.objects.filter(night__participant__trial=self.trial), **stamp
        )


def _sealed(rlist: RandomizationList, row: dict) -> tuple[str, str, str]:
    """The bottle's block and stratum as ListEntry.seal writes them."""
    entry = ListEntry(randomization_list=rlist).seal(
        block=row["block"], stratum=row["stratum"] or ""
    )
    return entry.block_sealed, entry.stratum_sealed, entry.stratum_key
