"""Staff accounts: one role (an auth group), for site-bound roles their sites, an email
address, active or not, and a password.

Every change goes through here, whichever door it comes from (the admin,
`manage.py add_user`, `demo_users`), and is recorded in StaffAccessChange as the audit
trail records a clinical change: who, when, through which door, what changed from what
to what, and why (a change of an existing account needs a reason). A password is
checked by the validators (AUTH_PASSWORD_VALIDATORS) and setting it, like deactivating
the account, revokes the account's API tokens.
"""

import getpass
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction

from diary.errors import AccessDenied, InvalidValue, ReasonRequired
from diary.models import Site, SiteAssignment, StaffAccessChange
from diary.roles import (
    ALERTED_ROLES,
    ALL_SITE_ROLES,
    OPERATOR_ONLY_ROLES,
    Role,
    role_of,
)
from diary.services.api_tokens import api_tokens_revoke
from diary.services.audit import free_text

# The recorded fields of an account, in the order a change lists them.
ACCESS_FIELDS = ("role", "sites", "email", "active", "first_name", "last_name")
UNSET: Any = object()


def _article(role: Role) -> str:
    return "An" if role.label[0] in "AEIOU" else "A"


def staff_access_of(user) -> dict[str, Any]:
    """What the audit trail records of an account: role, site codes, email, active, name."""
    role = role_of(user) if user.pk else None
    sites = sorted(user.site_assignments.values_list("site__code", flat=True)) if user.pk else []
    return {
        "role": role.value if role else None,
        "sites": sites,
        "email": user.email,
        "active": user.is_active,
        "first_name": user.first_name,
        "last_name": user.last_name,
    }


def may_manage_staff(user) -> bool:
    """Coordinators manage accounts (in the admin); so does a superuser (an operator)."""
    return bool(user.is_active and (user.is_superuser or role_of(user) == Role.COORDINATOR))


def _text(value: str, field: str, max_length: int) -> str:
    value = (value or "").strip()
    if "\x00" in value:
        raise InvalidValue("Null characters are not allowed.", field=field)
    if len(value) > max_length:
        raise InvalidValue(f"At most {max_length} characters.", field=field)
    return value


def staff_access_check(
    *,
    user=None,
    role: str,
    site_codes: Iterable[str] = (),
    email: str = "",
    active: bool = True,
    by_user=None,
    email_required: bool = True,
) -> list[Site]:
    """Check the access an account is to have; returns its sites. Raises InvalidValue
    (or AccessDenied) naming the field at fault. `user` is None for a new account;
    `by_user` None is the operator at the command line."""
    if role not in Role.values:
        raise InvalidValue(
            f"Unknown role {role!r}; choose one of: {', '.join(Role.values)}.", field="role"
        )
    role = Role(role)
    site_codes = list(dict.fromkeys(site_codes))
    sites = list(Site.objects.filter(code__in=site_codes).order_by("code"))
    missing = sorted(set(site_codes) - {s.code for s in sites})
    if missing:
        raise InvalidValue("Unknown site: " + ", ".join(missing) + ".", field="site")
    if role in ALL_SITE_ROLES:
        sites = []  # they see every site
    elif role == Role.DSMB_MEMBER:
        if sites:
            raise InvalidValue(
                "A DSMB member has no site (no access to clinical data).", field="site"
            )
    elif not sites:
        raise InvalidValue(
            f"{_article(role)} {role.label.lower()} needs at least one site.", field="site"
        )
    email = _text(email, "email", 254)
    if email:
        try:
            validate_email(email)
        except ValidationError as exc:
            raise InvalidValue(" ".join(exc.messages), field="email") from exc
    elif email_required and active and role in ALERTED_ROLES:
        raise InvalidValue(
            f"{_article(role)} {role.label.lower()} receives alerts: give an email address.",
            field="email",
        )
    if by_user is not None:
        _check_manager(by_user=by_user, user=user, role=role, active=active)
    return sites


def _check_manager(*, by_user, user, role: Role, active: bool) -> None:
    if not may_manage_staff(by_user):
        raise AccessDenied("Only a coordinator manages staff accounts.")
    if by_user.is_superuser:
        return
    current = role_of(user) if user is not None and user.pk else None
    if role in OPERATOR_ONLY_ROLES or current in OPERATOR_ONLY_ROLES:
        raise AccessDenied(
            "Only the operator gives or changes the access of the unblinded statistician "
            "(manage.py add_user).",
            field="role",
        )
    if user is not None and user.pk == by_user.pk and (role != current or not active):
        raise AccessDenied(
            "You cannot change your own role or deactivate your own account.", field="role"
        )


def _password_check(password: str, user) -> None:
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise InvalidValue(" ".join(exc.messages), field="password") from exc


def _who(by_user) -> str:
    if by_user is not None:
        return by_user.get_username()
    try:
        return f"{getpass.getuser()} (operating system)"
    except (KeyError, OSError):
        return "operating system"


def _record(user, *, kind: str, changes: dict, by_user, via: str, reason: str = ""):
    return StaffAccessChange.objects.create(
        user=user,
        username=user.get_username(),
        kind=kind,
        changes=changes,
        reason=reason,
        changed_by=by_user,
        changed_by_name=_who(by_user)[:150],
        via=via[:30],
    )


def _apply(user, *, role: Role, sites: list[Site]) -> None:
    # Coordinators manage the trial in the admin; the unblinded statistician keeps the
    # randomization list there. Their group permissions decide what each sees.
    user.is_staff = role in (Role.COORDINATOR, Role.UNBLINDED_STATISTICIAN)
    user.save()
    user.groups.set([Group.objects.get(name=role.value)])
    SiteAssignment.objects.filter(user=user).exclude(site__in=sites).delete()
    for site in sites:
        SiteAssignment.objects.get_or_create(user=user, site=site)
    user._trial_role = role  # the cached role (diary.roles.role_of) follows


def staff_create_check(
    *,
    username: str,
    role: str,
    site_codes: Iterable[str] = (),
    email: str = "",
    first_name: str = "",
    last_name: str = "",
    password: str | None = None,
    by_user=None,
    check_password: bool = True,
    email_required: bool = True,
):
    """Everything `staff_create` checks, writing nothing: returns the (unsaved) account
    and its sites, or raises naming the field at fault. Forms call it to show errors."""
    User = get_user_model()
    username = _text(username, "username", 150)
    if not username:
        raise InvalidValue("Give a username.", field="username")
    if User.objects.filter(username=username).exists():
        raise InvalidValue(f"The username {username} is taken.", field="username")
    sites = staff_access_check(
        role=role,
        site_codes=site_codes,
        email=email,
        by_user=by_user,
        email_required=email_required,
    )
    user = User(
        username=username,
        email=_text(email, "email", 254),
        first_name=_text(first_name, "first_name", 150),
        last_name=_text(last_name, "last_name", 150),
    )
    if password is not None and check_password:
        _password_check(password, user)
    return user, sites


@transaction.atomic
def staff_create(
    *,
    username: str,
    role: str,
    site_codes: Iterable[str] = (),
    email: str = "",
    first_name: str = "",
    last_name: str = "",
    password: str | None = None,
    by_user=None,
    via: str,
    reason: str = "",
    check_password: bool = True,
    email_required: bool = True,
):
    """Create an account with its access, recorded. Without a password the account
    cannot log in until one is set."""
    user, sites = staff_create_check(
        username=username,
        role=role,
        site_codes=site_codes,
        email=email,
        first_name=first_name,
        last_name=last_name,
        password=password,
        by_user=by_user,
        check_password=check_password,
        email_required=email_required,
    )
    if password is not None:
        user.set_password(password)
    else:
        user.set_unusable_password()
    _apply(user, role=Role(role), sites=sites)
    created = {
        name: [None, value]
        for name, value in staff_access_of(user).items()
        if value not in (None, "", [])
    }
    _record(user, kind="created", changes=created, by_user=by_user, via=via, reason=reason)
    return user


@dataclass(frozen=True)
class AccessChange:
    """What `staff_update` is about to do: the account's access before and after."""

    before: dict[str, Any]
    after: dict[str, Any]
    changed: list[str]
    sites: list[Site]
    reason: str


def staff_update_check(
    *,
    user,
    role: str = UNSET,
    site_codes: Iterable[str] = UNSET,
    email: str = UNSET,
    active: bool = UNSET,
    first_name: str = UNSET,
    last_name: str = UNSET,
    by_user=None,
    reason: str = "",
    email_required: bool = True,
) -> AccessChange:
    """Everything `staff_update` checks, writing nothing (forms call it to show errors):
    the change it would make, or an error naming the field at fault."""
    if user.is_superuser and by_user is not None and not by_user.is_superuser:
        raise AccessDenied("Only an operator changes an operator's account.")
    before = staff_access_of(user)
    after = {
        "role": before["role"] if role is UNSET else role,
        "sites": before["sites"] if site_codes is UNSET else list(site_codes),
        "email": before["email"] if email is UNSET else _text(email, "email", 254),
        "active": before["active"] if active is UNSET else bool(active),
        "first_name": (
            before["first_name"] if first_name is UNSET else _text(first_name, "first_name", 150)
        ),
        "last_name": (
            before["last_name"] if last_name is UNSET else _text(last_name, "last_name", 150)
        ),
    }
    if not after["role"]:
        raise InvalidValue("Give the account a role.", field="role")
    sites = staff_access_check(
        user=user,
        role=after["role"],
        site_codes=after["sites"],
        email=after["email"],
        active=after["active"],
        by_user=by_user,
        email_required=email_required,
    )
    after["sites"] = [s.code for s in sites]
    changed = [name for name in ACCESS_FIELDS if after[name] != before[name]]
    reason = free_text(reason)
    if changed and not reason:
        raise ReasonRequired(
            f"Give the reason for changing {', '.join(changed)} of {user.get_username()} "
            "(kept in the audit trail).",
            field="reason",
        )
    return AccessChange(before=before, after=after, changed=changed, sites=sites, reason=reason)


@transaction.atomic
def staff_update(
    *,
    user,
    role: str = UNSET,
    site_codes: Iterable[str] = UNSET,
    email: str = UNSET,
    active: bool = UNSET,
    first_name: str = UNSET,
    last_name: str = UNSET,
    by_user=None,
    via: str,
    reason: str = "",
    email_required: bool = True,
) -> list[str]:
    """Change an account's access (what is given; the rest stays), with the reason,
    recorded. Returns the names of the fields that changed. Deactivating an account
    revokes its API tokens."""
    user = get_user_model().objects.select_for_update().get(pk=user.pk)
    change = staff_update_check(
        user=user,
        role=role,
        site_codes=site_codes,
        email=email,
        active=active,
        first_name=first_name,
        last_name=last_name,
        by_user=by_user,
        reason=reason,
        email_required=email_required,
    )
    if not change.changed:
        return []
    after = change.after
    user.email = after["email"]
    user.is_active = after["active"]
    user.first_name = after["first_name"]
    user.last_name = after["last_name"]
    _apply(user, role=Role(after["role"]), sites=change.sites)
    _record(
        user,
        kind="changed",
        changes={name: [change.before[name], after[name]] for name in change.changed},
        by_user=by_user,
        via=via,
        reason=change.reason,
    )
    if not user.is_active:
        api_tokens_revoke(user=user)
    return change.changed


@transaction.atomic
def staff_password_set(
    *, user, password: str, by_user=None, via: str, check_password: bool = True
) -> None:
    """Set an account's password (checked by the validators), recorded without any
    value; the account's API tokens are revoked."""
    if check_password:
        _password_check(password, user)
    user.set_password(password)
    user.save(update_fields=["password"])
    api_tokens_revoke(user=user)
    _record(user, kind="password", changes={}, by_user=by_user, via=via)


def user_upsert(
    *,
    username: str,
    role: str,
    site_codes: Iterable[str] = (),
    password: str | None = None,
    email: str = "",
    check_password: bool = True,
    by_user=None,
    via: str = "add_user",
    reason: str = "",
    email_required: bool = True,
):
    """Create the account, or update its role, sites, email (when given) and password
    (when given): what `manage.py add_user` does."""
    existing = get_user_model().objects.filter(username=username).first()
    if existing is None:
        return staff_create(
            username=username,
            role=role,
            site_codes=site_codes,
            email=email,
            password=password,
            by_user=by_user,
            via=via,
            reason=reason,
            check_password=check_password,
            email_required=email_required,
        )
    with transaction.atomic():
        if password is not None and check_password:
            _password_check(password, existing)
        changes = {"role": role, "site_codes": site_codes}
        if email:
            changes["email"] = email
        staff_update(
            user=existing,
            **changes,
            by_user=by_user,
            via=via,
            reason=reason,
            email_required=email_required,
        )
        existing.refresh_from_db()
        if password is not None and not existing.check_password(password):
            staff_password_set(
                user=existing, password=password, by_user=by_user, via=via, check_password=False
            )
    return existing
