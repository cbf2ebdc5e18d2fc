"""Staff accounts: one role (an auth group) and, for site-bound roles, their sites."""

from collections.abc import Iterable

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction

from diary.errors import InvalidValue
from diary.models import Site, SiteAssignment
from diary.roles import SITE_BOUND_ROLES, Role


@transaction.atomic
def user_upsert(
    *,
    username: str,
    role: str,
    site_codes: Iterable[str] = (),
    password: str | None = None,
    email: str = "",
    check_password: bool = True,
):
    """Create the user or update their role, sites, email and password."""
    if role not in Role.values:
        raise InvalidValue(
            f"Unknown role {role!r}; choose one of: {', '.join(Role.values)}.", field="role"
        )
    site_codes = list(dict.fromkeys(site_codes))
    sites = list(Site.objects.filter(code__in=site_codes))
    missing = sorted(set(site_codes) - {s.code for s in sites})
    if missing:
        raise InvalidValue("Unknown site: " + ", ".join(missing) + ".", field="site")
    if role in SITE_BOUND_ROLES and not sites:
        raise InvalidValue(f"A {role} needs at least one --site.", field="site")
    if role == Role.DSMB_MEMBER and sites:
        raise InvalidValue("A DSMB member has no site (no access to clinical data).", field="site")

    User = get_user_model()
    user, created = User.objects.get_or_create(username=username)
    if email:
        user.email = email
    if password is not None:
        if check_password:
            try:
                validate_password(password, user)
            except ValidationError as exc:
                raise InvalidValue(" ".join(exc.messages), field="password") from exc
        user.set_password(password)
    elif created:
        user.set_unusable_password()
    # Coordinators manage the trial in the admin; the unblinded statistician keeps the
    # randomization list there. Their group permissions decide what each sees.
    user.is_staff = role in (Role.COORDINATOR, Role.UNBLINDED_STATISTICIAN)
    user.save()
    user.groups.set([Group.objects.get(name=role)])
    SiteAssignment.objects.filter(user=user).exclude(site__in=sites).delete()
    for site in sites:
        SiteAssignment.objects.get_or_create(user=user, site=site)
    return user
