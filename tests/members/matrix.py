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


def former_member(root, *, home, branch, to_branch, new_home, on: date = date(2024, 7, 12)):
    """A person who lived at ``home`` and was a member of ``branch``, then transferred to ``to_branch`` and
    moved to ``new_home``: ``branch``'s officers may read her history, not act on her record (audit finding 1).
    Returns (person, the ended membership, the current one)."""
    data = PersonData(
        full_name="Danh Ngọc Nga",
        sex="F",
        unit=home,
        birth_date=date(1986, 4, 2),
        citizen_id="086186000123",
        phone="0912000111",
    )
    person = services.person_create(actor=root, data=data)
    old = services.membership_join(actor=root, person=person, branch=branch, on=date(2010, 1, 1))
    new = services.membership_transfer(
        actor=root, membership=old, to_branch=to_branch, on=on, move_residence=True
    )
    old.refresh_from_db()
    person.refresh_from_db()
    assert person.unit_path == new_home.path
    return person, old, new


# Person pages by what they do: reading the history, or acting on the record.
PERSON_READ_URLS = ("members:person-detail",)
PERSON_ACT_URLS = ("members:person-update", "members:person-citizen-id", "members:person-merge")
