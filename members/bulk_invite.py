"""Invite from a CSV file, the reading side: the template, parsing an upload into a preview (each row: invite,
skip or refuse, with the reason per cell), and the signed plan that binds Invite to exactly the previewed rows.

Columns: ``email`` (required), ``name`` (shown in the preview only: an invitation has no name, the invitee
chooses theirs), ``organization_role`` (``owner``/``member`` or the role's label; empty is Organization
Member), and one column per project of the organization, named as the project, holding a project role (code
or label; empty is no access).
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field

from django.core import signing
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext as _

from members import addresses
from members.exceptions import OwnerProjectAccessError
from members.models import Organization
from members.roles import OrgRole, ProjectRole
from members.services.invitations import _classify

MAX_ROWS = 1000
MAX_BYTES = 1_000_000
PLAN_SALT = "members.bulk_invite.plan"
PLAN_MAX_AGE = 3600  # seconds a preview stays valid
FIXED_COLUMNS = ("email", "name", "organization_role")


def template_header(organization: Organization) -> list[str]:
    return [*FIXED_COLUMNS, *organization.projects.order_by("name").values_list("name", flat=True)]


def _choice(value: str, choices: type[OrgRole] | type[ProjectRole]) -> str | None:
    """A role code from its code or its label, case-insensitively; None for anything else."""
    wanted = value.strip().casefold()
    for code, label in choices.choices:
        if wanted in {code.casefold(), str(label).casefold()}:
            return code
    return None


@dataclass
class PreviewRow:
    line: int
    email: str
    name: str = ""
    role: str = OrgRole.MEMBER
    projects: dict[str, str] = field(default_factory=dict)  # project name -> project role code
    outcome: str = "invite"  # "invite", "skip" or "refuse"
    reasons: dict[str, str] = field(default_factory=dict)  # column -> why

    @property
    def role_label(self) -> str:
        return str(OrgRole(self.role).label)

    @property
    def project_labels(self) -> list[str]:
        return [f"{name}: {ProjectRole(code).label}" for name, code in self.projects.items()]


@dataclass
class FilePreview:
    rows: list[PreviewRow] = field(default_factory=list)
    error: str = ""  # the whole file is refused (unreadable, too long, no email column)

    def counts(self) -> dict[str, int]:
        return {kind: sum(row.outcome == kind for row in self.rows) for kind in ("invite", "skip", "refuse")}

    @property
    def to_invite(self) -> list[PreviewRow]:
        return [row for row in self.rows if row.outcome == "invite"]


def _read(upload: bytes) -> tuple[list[str], list[dict[str, str]]] | str:
    if len(upload) > MAX_BYTES:
        return _("The file is larger than 1 MB.")
    try:
        text = upload.decode("utf-8-sig")
    except UnicodeDecodeError:
        return _("The file is not UTF-8 text. Save it as “CSV UTF-8” and upload it again.")
    reader = csv.DictReader(io.StringIO(text))
    header = [(name or "").strip() for name in reader.fieldnames or []]
    reader.fieldnames = header
    if "email" not in header:
        return _("The file has no “email” column. Start from the template.")
    rows = []
    for row in reader:
        rows.append({key: (value or "").strip() if isinstance(value, str) else "" for key, value in row.items() if key})
        if len(rows) > MAX_ROWS:
            return _("The file has more than %(limit)d rows; split it.") % {"limit": MAX_ROWS}
    return header, rows


def _row(line: int, raw: dict[str, str], project_columns: list[str]) -> PreviewRow:
    row = PreviewRow(line=line, email=addresses.normalize(raw.get("email", "")), name=raw.get("name", ""))
    try:
        validate_email(row.email)
    except ValidationError:
        row.reasons["email"] = _("Not a valid email address.")
    if raw.get("organization_role"):
        role = _choice(raw["organization_role"], OrgRole)
        if role is None:
            row.reasons["organization_role"] = _("Not an Organization Role.")
        else:
            row.role = role
    for column in project_columns:
        if value := raw.get(column):
            code = _choice(value, ProjectRole)
            if code is None:
                row.reasons[column] = _("Not a project role.")
            else:
                row.projects[column] = code
    if row.role == OrgRole.OWNER and row.projects:
        row.reasons["organization_role"] = OwnerProjectAccessError.default_message
    if row.reasons:
        row.outcome = "refuse"
    return row


def preview_file(organization: Organization, upload: bytes) -> FilePreview:
    """What Invite would do with each row of the file; nothing is written."""
    read = _read(upload)
    if isinstance(read, str):
        return FilePreview(error=read)
    header, raw_rows = read
    projects = set(organization.projects.values_list("name", flat=True))
    unknown = [column for column in header if column not in FIXED_COLUMNS and column not in projects]
    if unknown:
        names = ", ".join(unknown)
        return FilePreview(
            error=_("Unknown columns: %(names)s. Project columns must be named as a project.") % {"names": names}
        )
    rows = [_row(n, raw, [c for c in header if c in projects]) for n, raw in enumerate(raw_rows, start=2)]
    _mark_skips(organization, rows)
    return FilePreview(rows=rows)


def _mark_skips(organization: Organization, rows: list[PreviewRow]) -> None:
    """Duplicates within the file, members and open invitations are skipped (the invite service's rules)."""
    seen: set[str] = set()
    candidates = [row for row in rows if row.outcome == "invite"]
    result, _to_invite = _classify(organization, [row.email for row in candidates])
    members = {addresses.key(email) for email in result.already_members}
    pending = {addresses.key(invitation.email) for invitation in result.already_invited}
    for row in candidates:
        key = addresses.key(row.email)
        if key in seen:
            row.outcome, row.reasons["email"] = "skip", _("Listed earlier in the file.")
        elif key in members:
            row.outcome, row.reasons["email"] = "skip", _("Already a member.")
        elif key in pending:
            row.outcome, row.reasons["email"] = "skip", _("Already has a pending invitation.")
        seen.add(key)


def sign_plan(organization: Organization, rows: list[PreviewRow]) -> str:
    """The rows to invite, signed: Invite sends exactly these, whatever is uploaded since."""
    plan = [[row.email, row.role, row.projects] for row in rows]
    return signing.dumps({"org": organization.pk, "rows": plan}, salt=PLAN_SALT, compress=True)


def load_plan(organization: Organization, token: str) -> list[tuple[str, str, dict[str, str]]] | None:
    """The signed rows, or None when the token is forged, for another organization, or older than an hour."""
    try:
        data = signing.loads(token, salt=PLAN_SALT, max_age=PLAN_MAX_AGE)
    except signing.BadSignature:
        return None
    if data.get("org") != organization.pk:
        return None
    return [(email, role, dict(projects)) for email, role, projects in data["rows"]]
