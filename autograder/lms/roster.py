"""Students matched explicitly: each submission folder to one LMS user, or to none and listed.

Two ways, as the passback file's ``[roster]`` says:

* **a roster file** (``file``: ``course_id,lms_id``, :mod:`autograder.model.roster`; a Canvas gradebook export
  with a ``course_id`` column): a student with results is matched to the file's LMS id. When the LMS lists its
  students (:class:`Member`: Canvas's enrolments, LTI's Names and Roles service, Moodle's enrolled users), an
  LMS id that is not among them is refused for that student (the file is out of date, or for another course);
* **the LMS's member list** (``match``: a field such as ``email`` or ``login_id``): a student is matched to the
  one member whose field equals the folder name (e-mail addresses compared without case). A value two members
  share matches neither.

Never a guess: no fuzzy names, no partial ids. A student with results that nothing matches is listed with the
reason and posted to nobody; a member (or a roster row) without results is listed too, and gets nothing.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, field

from autograder.model.ids import display
from autograder.model.roster import LmsStudent


@dataclass(frozen=True)
class Member:
    """One student of the LMS course: its user id, name, and the fields a roster may match on."""

    lms_id: str
    name: str = ""
    fields: tuple[tuple[str, str], ...] = ()  # ((field, value), …)

    def get(self, name: str) -> str:
        if name in ("id", "user_id"):
            return self.lms_id
        return dict(self.fields).get(name, "") or ""


@dataclass
class RosterMatch:
    """Who is who: ``to_lms`` (course id → LMS id) and everyone left unmatched on either side, with why."""

    to_lms: dict[str, str] = field(default_factory=dict)
    students: list[tuple[str, str]] = field(default_factory=list)  # [(course id, why)]: results here, posted to nobody
    members: list[tuple[str, str, str]] = field(default_factory=list)  # [(LMS id, name, why)]: no results here


def _key(name: str, value: str) -> str:
    return value.strip().casefold() if name == "email" else value.strip()


def from_file(mapping: Mapping[str, LmsStudent], students: Collection[str], members: list[Member] | None = None,
              ) -> RosterMatch:
    """Match ``students`` (course ids with results) by the roster file's ``mapping`` (course id → LmsStudent),
    checked against the LMS's ``members`` when it lists them."""
    out = RosterMatch()
    known = None if members is None else {m.lms_id: m for m in members}
    for student in sorted(students):
        row = mapping.get(student)
        if row is None:
            out.students.append((student, "not in the roster file"))
        elif known is not None and row.lms_id not in known:
            out.students.append((student, f"the roster file gives LMS id {display(row.lms_id)}, who is not a "
                                          "student of the LMS course"))
        else:
            out.to_lms[student] = row.lms_id
    for course_id, row in sorted(mapping.items()):
        if course_id not in students:
            out.members.append((row.lms_id, row.name or course_id, f"roster row {display(course_id)}: no results here"))
    if members is not None:
        mapped = {row.lms_id for row in mapping.values()}
        out.members += [(m.lms_id, m.name, "no row in the roster file") for m in members if m.lms_id not in mapped]
    return out


def from_members(members: list[Member], match: str, students: Collection[str]) -> RosterMatch:
    """Match ``students`` to the ``members`` whose field ``match`` equals their course id."""
    out = RosterMatch()
    by_value: dict[str, list[Member]] = {}
    for m in members:
        value = m.get(match)
        if value.strip():
            by_value.setdefault(_key(match, value), []).append(m)
    claims: dict[str, list[str]] = {}
    for student in sorted(students):
        found = by_value.get(_key(match, student), [])
        if len(found) == 1:
            claims.setdefault(found[0].lms_id, []).append(student)
        elif found:
            out.students.append((student, f"{len(found)} LMS students have {match} {display(student)}: "
                                          "use a roster file for them"))
        else:
            out.students.append((student, f"no LMS student has {match} {display(student)}"))
    matched: set[str] = set()
    for lms_id, claimants in claims.items():
        if len(claimants) == 1:
            out.to_lms[claimants[0]] = lms_id
            matched.add(lms_id)
        else:  # two folders equal to one member's field (e-mails differing in case): neither is that member
            out.students += [(student, f"{len(claimants)} submission folders ({', '.join(map(display, claimants))}) "
                                       f"match the one LMS student {display(lms_id)}: use a roster file for them")
                             for student in claimants]
    out.students.sort()
    out.members += [(m.lms_id, m.name, "matched by more than one submission folder: nothing posted" if m.lms_id in claims
                     else f"no results here for its {match}" + (f" {display(m.get(match))}" if m.get(match)
                                                                 else " (the LMS gives none)"))
                    for m in members if m.lms_id not in matched]
    return out
