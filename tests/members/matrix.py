"""In-scope and out-of-scope records of the members registry for the scope matrix (tests/test_scope_matrix.py)."""

from __future__ import annotations

from datetime import date

from danvan.members import services
from danvan.members.models import DuplicateCandidate, ImportBatch, ImportStatus, Membership, Person
from danvan.members.services import PersonData


def scoped_records(root, *, marks, branches, villages, creators) -> dict:
    """{Model: (out of scope, in scope)} for Person, Membership, DuplicateCandidate and ImportBatch."""
    result: dict = {Person: [], Membership: [], DuplicateCandidate: [], ImportBatch: []}
    for mark, branch, village, creator in zip(marks, branches, villages, creators, strict=True):
        people = []
        for _twice in range(2):  # the same name and date of birth twice: a duplicate candidate
            data = PersonData(full_name=f"Người {mark}", sex="F", unit=village, birth_date=date(1980, 1, 1))
            people.append(services.person_create(actor=root, data=data))
        membership = services.membership_join(
            actor=root, person=people[0], branch=branch, on=date(2020, 1, 1)
        )
        candidate = DuplicateCandidate.objects.get(person=people[1], other=people[0])
        batch = ImportBatch.objects.create(
            filename=f"{mark}.csv", created_by=creator, status=ImportStatus.CHECKED, message=f"Tệp {mark}"
        )
        for model, obj in (
            (Person, people[0]),
            (Membership, membership),
            (DuplicateCandidate, candidate),
            (ImportBatch, batch),
        ):
            result[model].append(obj)
    return {model: tuple(objs) for model, objs in result.items()}
