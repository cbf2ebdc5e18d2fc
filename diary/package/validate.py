"""Checking a package before anything is written.

Every rule of the contract's "What an import refuses" is checked and every
problem is listed with its file, physical line (the header is line 1), column
and what is wrong. Protocol deviations in historical data (a participant younger
than the protocol's minimum age, too few screening cramps) are imported and
listed as warnings.
"""

from dataclasses import dataclass, field

from django.utils import timezone

from diary.declarations import Context
from diary.models import (
    ListEntry,
    Participant,
    ScreeningOutcome,
    ScreeningRecord,
    Site,
    Trial,
)
from diary.package.diary_rules import (
    ParticipantRef,
    diary_check,
    participant_ref,
    screening_deviations,
)
from diary.package.fingerprint import list_rows
from diary.package.night_rules import cramp_events_check, nights_check
from diary.package.problems import PackageRefused, ProblemLog
from diary.package.protocol import (
    Protocol,
    protocol_compare,
    protocol_from_json,
    protocol_from_trial,
)
from diary.package.reader import Package, Table
from diary.package.rows import INVALID, columns_check, known, rule_verdicts, rules_check, typed_rows
from diary.package.schema import (
    ADVERSE_EVENTS,
    ALLOCATION,
    CRAMP_EVENTS,
    DIARY,
    FILES,
    NIGHTS,
    OPTIONAL_FILES,
    PARTICIPANTS,
    REQUIRED_FILES,
    SCREENING,
    SITES,
    TRIAL_JSON,
)
from diary.randomization.verification import verify


@dataclass
class Checked:
    """A package that passed every check, with its rows typed for the import."""

    protocol: Protocol
    trial: Trial | None
    new_sites: list[dict]
    screening: list[dict]
    allocation: list[dict] | None
    participants: list[dict]
    adverse_events: list[dict]
    diary: Table
    diary_rows: int
    warnings: ProblemLog = field(default_factory=ProblemLog)
    # The electronic diary (optional files): None when the package has none.
    nights: Table | None = None
    cramp_events: Table | None = None


def trial_holds_data(trial: Trial) -> bool:
    return (
        ScreeningRecord.objects.filter(trial=trial).exists()
        or Participant.objects.filter(trial=trial).exists()
    )


def package_check(package: Package, *, trial: Trial | None) -> Checked:
    """Check the whole package against the configured trial (or its trial.json);
    raise PackageRefused listing every problem."""
    return _PackageChecker(package, trial).run()


class _PackageChecker:
    def __init__(self, package: Package, trial: Trial | None):
        self.package = package
        self.trial = trial
        self.problems = ProblemLog()
        self.warnings = ProblemLog()
        self.today = timezone.localdate()
        for problem in package.problems:
            self.problems.add(problem.file, problem.line, problem.column, problem.message)
        # None = not known (the file is unusable): references to it are not checked.
        self.sites: set[str] | None = None
        self.screenings: dict[str, dict] | None = None
        self.bottles: set[int] | None = None
        self.participants: dict[str, ParticipantRef] | None = None

    # -- the whole package ---------------------------------------------------------

    def run(self) -> Checked:
        if self.trial is not None and trial_holds_data(self.trial):
            self.problems.add(
                None,
                None,
                None,
                f"the trial {self.trial.code} already holds data; importing into it is "
                "refused, not merged (import into an empty database)",
            )
            self._refuse()
        protocol = self._protocol()
        tables = self._tables()
        if protocol is None:
            self._refuse()
        self.protocol = protocol
        new_sites = self._sites(tables.get(SITES))
        screening = self._screening(tables.get(SCREENING))
        allocation = self._allocation(tables.get(ALLOCATION))
        participants = self._participants(tables.get(PARTICIPANTS))
        diary_rows = self._diary(tables.get(DIARY))
        self._nights(tables.get(NIGHTS), tables.get(CRAMP_EVENTS))
        adverse_events = self._adverse_events(tables.get(ADVERSE_EVENTS))
        self._deviations()
        if self.problems:
            self._refuse()
        return Checked(
            protocol=protocol,
            trial=self.trial,
            new_sites=new_sites,
            screening=screening,
            allocation=allocation,
            participants=participants,
            adverse_events=adverse_events,
            diary=tables[DIARY],
            diary_rows=diary_rows,
            warnings=self.warnings,
            nights=tables.get(NIGHTS),
            cramp_events=tables.get(CRAMP_EVENTS),
        )

    def _refuse(self):
        raise PackageRefused(self.problems.items, total=self.problems.total)

    def _protocol(self) -> Protocol | None:
        data = self.package.trial_json
        packaged = protocol_from_json(data, self.problems) if data is not None else None
        if self.trial is None:
            if data is None and not any(p.file == TRIAL_JSON for p in self.problems.items):
                self.problems.add(
                    TRIAL_JSON, None, None, "the file is missing (no trial is configured yet)"
                )
            return packaged
        configured = protocol_from_trial(self.trial)
        if packaged is not None:
            protocol_compare(configured, packaged, self.problems)
            if packaged.arm_codes != configured.arm_codes:
                self.warnings.add(
                    TRIAL_JSON,
                    None,
                    "arms",
                    "the package's arms differ from the configured trial's; the configured "
                    "arms are kept",
                )
        return configured

    def _tables(self) -> dict[str, Table]:
        tables = {}
        for name in (*REQUIRED_FILES, ALLOCATION, *OPTIONAL_FILES):
            table = self.package.tables.get(name)
            if table is None:
                if name in REQUIRED_FILES and not any(p.file == name for p in self.problems.items):
                    self.problems.add(name, None, None, "the file is missing")
                continue
            if columns_check(table, FILES[name], self.problems):
                tables[name] = table
        return tables

    # -- one file at a time ----------------------------------------------------------

    def _sites(self, table: Table | None) -> list[dict]:
        configured = {}
        if self.trial is not None:
            configured = dict(Site.objects.filter(trial=self.trial).values_list("code", "name"))
        if table is None:
            return []
        seen: dict[str, int] = {}
        new = []
        for line, row in typed_rows(table, FILES[SITES], self.problems, today=self.today):
            code, name = row["site_code"], row["name"]
            if not known(code):
                continue
            if code in seen:
                self._duplicate(SITES, line, "site_code", code, seen[code])
                continue
            seen[code] = line
            if code in configured:
                if known(name) and name != configured[code]:
                    self.warnings.add(
                        SITES,
                        line,
                        "name",
                        f"site {code} is configured as {configured[code]!r}; that name is kept",
                    )
            elif known(name):
                new.append({"site_code": code, "name": name})
        self.sites = set(seen) | set(configured)
        return new

    def _screening(self, table: Table | None) -> list[dict]:
        if table is None:
            return []
        rows, seen = [], {}
        spec = FILES[SCREENING]
        verdicts = rule_verdicts(spec)
        for line, row in typed_rows(table, spec, self.problems, today=self.today):
            sid = row["screening_id"]
            rules_check(spec, line, row, self.problems, today=self.today, verdicts=verdicts)
            self._site_known(SCREENING, line, row["site_code"])
            if known(sid):
                if sid in seen:
                    self._duplicate(SCREENING, line, "screening_id", sid, seen[sid]["line"])
                    continue
                seen[sid] = {"line": line, **row}
            rows.append(row)
        self.screenings = seen
        return rows

    def _allocation(self, table: Table | None) -> list[dict] | None:
        existing = None
        if self.trial is not None:
            existing = set(
                ListEntry.objects.filter(randomization_list__trial=self.trial).values_list(
                    "bottle_number", flat=True
                )
            )
        if table is None:
            # Without allocation.csv, bottles are checked against the list already held.
            self.bottles = existing or None
            return None
        if existing:
            self.problems.add(
                ALLOCATION,
                None,
                None,
                "the trial already has a randomization list; a second one is refused",
            )
        arms = sorted(self.protocol.arm_codes)
        rows, seen = [], {}
        for line, row in typed_rows(table, FILES[ALLOCATION], self.problems, today=self.today):
            bottle, arm = row["bottle_number"], row["arm_code"]
            if known(arm) and arm not in self.protocol.arm_codes:
                self.problems.add(
                    ALLOCATION,
                    line,
                    "arm_code",
                    f"unknown arm_code {arm!r} (the trial's arms: {', '.join(arms)})",
                )
            if known(bottle):
                if bottle in seen:
                    self._duplicate(ALLOCATION, line, "bottle_number", bottle, seen[bottle])
                    continue
                seen[bottle] = line
            rows.append(row)
        self.bottles = set(seen)
        if not self.problems:
            self._allocation_verify(rows)
        return rows

    def _allocation_verify(self, rows: list[dict]) -> None:
        """The list as the list import of the web pages checks it (numbering, strata,
        blocks in the ratio, the order in which bottles are given): whatever one door
        refuses, the other refuses."""
        listed = list_rows(rows)
        strata = sorted({r.stratum for r in listed if not r.is_spare}) or [""]
        found = verify(listed, ratios=dict(self.protocol.arm_ratios), strata=strata)
        for error in found.errors:
            self.problems.add(ALLOCATION, None, None, error)

    def _participants(self, table: Table | None) -> list[dict]:
        if table is None:
            return []
        rows, refs = [], {}
        screening_taken: dict[str, str] = {}
        bottles: dict[int, int] = {}
        spec = FILES[PARTICIPANTS]
        verdicts = rule_verdicts(spec)
        for line, row in typed_rows(table, spec, self.problems, today=self.today):
            pid = row["participant_id"]
            self._site_known(PARTICIPANTS, line, row["site_code"])
            screening = self._participant_screening(line, row, screening_taken)
            self._participant_bottle(line, row["bottle_number"], bottles)
            context = Context(
                {
                    "site_code": row["site_code"] if known(row["site_code"]) else None,
                    "site_prefix": self.protocol.site_prefixed_ids,
                    "screened_on": _value(screening["screened_on"]) if screening else None,
                    "screening_id": row["screening_id"],
                }
            )
            rules_check(
                spec, line, row, self.problems, context=context, today=self.today, verdicts=verdicts
            )
            if known(row["age"]) and self.protocol.min_age and row["age"] < self.protocol.min_age:
                self.warnings.add(
                    PARTICIPANTS,
                    line,
                    "age",
                    f"{pid} is aged {row['age']}, below the protocol's minimum age "
                    f"{self.protocol.min_age} (protocol deviation)",
                )
            if known(pid):
                if pid in refs:
                    self._duplicate(PARTICIPANTS, line, "participant_id", pid, refs[pid].line)
                    continue
                refs[pid] = ParticipantRef(
                    index=len(refs),
                    line=line,
                    consented_on=_value(row["consented_on"]),
                    randomized_on=_value(row["randomized_on"]),
                    withdrawn_on=_value(row["withdrawn_on"]),
                )
            rows.append(row)
        self.participants = refs
        return rows

    def _participant_screening(self, line: int, row: dict, taken: dict[str, str]) -> dict | None:
        """The participant's screening row (None when unknown, which is a problem)."""
        sid, pid = row["screening_id"], row["participant_id"]
        if not known(sid) or self.screenings is None:
            return None
        screening = self.screenings.get(sid)
        if screening is None:
            self.problems.add(
                PARTICIPANTS,
                line,
                "screening_id",
                f"unknown screening_id {sid!r} (not in {SCREENING})",
            )
            return None
        if screening["outcome"] not in (ScreeningOutcome.ENROLLED, INVALID):
            self.problems.add(
                PARTICIPANTS,
                line,
                "screening_id",
                f"screening {sid} has outcome {screening['outcome']!r} "
                f"({SCREENING} line {screening['line']}); a participant's must be 'enrolled'",
            )
        if sid in taken:
            self.problems.add(
                PARTICIPANTS,
                line,
                "screening_id",
                f"duplicate screening_id {sid!r}: it is already {taken[sid]}'s screening",
            )
        else:
            taken[sid] = pid if known(pid) else "another participant"
        site = row["site_code"]
        if known(site, screening["site_code"]) and site != screening["site_code"]:
            self.warnings.add(
                PARTICIPANTS,
                line,
                "site_code",
                f"site {site} differs from screening {sid}'s site {screening['site_code']}",
            )
        return screening

    def _participant_bottle(self, line: int, bottle, seen: dict[int, int]) -> None:
        if not known(bottle):
            return
        if bottle in seen:
            self._duplicate(PARTICIPANTS, line, "bottle_number", bottle, seen[bottle])
            return
        seen[bottle] = line
        if self.bottles is not None and bottle not in self.bottles:
            self.problems.add(
                PARTICIPANTS,
                line,
                "bottle_number",
                f"unknown bottle_number {bottle} (not on the randomization list)",
            )

    def _diary(self, table: Table | None) -> int:
        if table is None:
            return 0
        return diary_check(
            table,
            protocol=self.protocol,
            participants=self.participants,
            problems=self.problems,
            warnings=self.warnings,
        )

    def _nights(self, nights: Table | None, cramp_events: Table | None) -> None:
        if nights is None:
            if cramp_events is not None and CRAMP_EVENTS in self.package.tables:
                self.problems.add(
                    CRAMP_EVENTS, None, None, f"the file needs {NIGHTS} (the nights it refers to)"
                )
            return
        found = nights_check(
            nights,
            protocol=self.protocol,
            participants=self.participants,
            problems=self.problems,
        )
        cramp_events_check(cramp_events, nights=found, problems=self.problems)

    def _adverse_events(self, table: Table | None) -> list[dict]:
        if table is None:
            return []
        rows = []
        spec = FILES[ADVERSE_EVENTS]
        verdicts = rule_verdicts(spec)
        for line, row in typed_rows(table, spec, self.problems, today=self.today):
            ref = self._participant_ref(ADVERSE_EVENTS, line, row["participant_id"])
            context = Context({"consented_on": ref.consented_on if ref else None})
            rules_check(
                spec, line, row, self.problems, context=context, today=self.today, verdicts=verdicts
            )
            rows.append(row)
        return rows

    def _deviations(self) -> None:
        if self.participants is not None and DIARY in self.package.tables:
            screening_deviations(self.participants, self.protocol, self.warnings)

    # -- shared rules ------------------------------------------------------------------

    def _duplicate(self, file: str, line: int, column: str, value, first: int) -> None:
        self.problems.add(
            file, line, column, f"duplicate {column} {value!r} (first on line {first})"
        )

    def _site_known(self, file: str, line: int, code) -> None:
        if known(code) and self.sites is not None and code not in self.sites:
            self.problems.add(
                file, line, "site_code", f"unknown site_code {code!r} (not in {SITES})"
            )

    def _participant_ref(self, file: str, line: int, pid) -> ParticipantRef | None:
        return participant_ref(self.participants, file, line, pid, self.problems)


def _value(value):
    return None if value is INVALID else value
