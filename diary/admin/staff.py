"""Staff accounts in the admin, for coordinators: create an account, change its role,
sites, email, name and whether it is active, every change through the staff service
(diary.services.users) and so recorded with the reason; and the record itself.

Nothing here edits groups, site assignments, permissions or the superuser and staff
flags directly: roles and sites are chosen on the account and the service applies
them. The accounts of the unblinded statistician and of operators are read-only here
(`manage.py add_user`).
"""

from django import forms
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.utils.html import format_html, format_html_join
from knox.models import AuthToken

from diary.errors import TrialError
from diary.models import Site, StaffAccessChange
from diary.roles import OPERATOR_ONLY_ROLES, Role, role_of
from diary.services.users import (
    may_manage_staff,
    staff_create,
    staff_create_check,
    staff_update,
    staff_update_check,
)
from diary.web.errors import add_trial_error

User = get_user_model()

REASON_HELP = "Why the access changes (kept in the audit trail); required for any change."
SITES_HELP = "For research assistants and investigators; the other roles see every site."


class SiteChoices(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.code} · {obj.name}" if obj.name else obj.code


class StaffForm(forms.ModelForm):
    """The account's access as the service takes it. `service_fields` maps the
    service's field names onto this form's (diary.web.errors)."""

    role = forms.ChoiceField(choices=Role.choices)
    sites = SiteChoices(
        queryset=Site.objects.order_by("code"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=SITES_HELP,
    )
    reason = forms.CharField(
        required=False, widget=forms.Textarea(attrs={"rows": 2}), help_text=REASON_HELP
    )
    service_fields = {"site": "sites", "active": "is_active"}

    class Meta:
        model = User
        fields = ("first_name", "last_name", "email", "is_active")

    def __init__(self, *args, by_user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.by_user = by_user
        user = self.instance
        if user.pk:
            role = role_of(user)
            self.initial.setdefault("role", role.value if role else None)
            self.initial.setdefault(
                "sites", list(user.site_assignments.values_list("site_id", flat=True))
            )

    def clean(self):
        cleaned = super().clean()
        if self.errors:
            return cleaned
        try:
            self.change = staff_update_check(
                user=User.objects.get(pk=self.instance.pk),
                role=cleaned["role"],
                site_codes=[s.code for s in cleaned["sites"]],
                email=cleaned.get("email") or "",
                active=cleaned.get("is_active", False),
                first_name=cleaned.get("first_name") or "",
                last_name=cleaned.get("last_name") or "",
                by_user=self.by_user,
                reason=cleaned.get("reason") or "",
            )
        except TrialError as exc:
            add_trial_error(self, exc)
        return cleaned


class StaffCreationForm(StaffForm):
    username = forms.CharField(max_length=150)
    password1 = forms.CharField(label="Password", strip=False, widget=forms.PasswordInput)
    password2 = forms.CharField(label="Password (again)", strip=False, widget=forms.PasswordInput)

    service_fields = {**StaffForm.service_fields, "password": "password1"}

    class Meta(StaffForm.Meta):
        fields = ("username", "first_name", "last_name", "email")

    def clean(self):
        cleaned = forms.ModelForm.clean(self)
        if self.errors:
            return cleaned
        if cleaned["password1"] != cleaned["password2"]:
            self.add_error("password2", "The two passwords differ.")
            return cleaned
        try:
            staff_create_check(
                username=cleaned["username"],
                role=cleaned["role"],
                site_codes=[s.code for s in cleaned["sites"]],
                email=cleaned.get("email") or "",
                first_name=cleaned.get("first_name") or "",
                last_name=cleaned.get("last_name") or "",
                password=cleaned["password1"],
                by_user=self.by_user,
            )
        except TrialError as exc:
            add_trial_error(self, exc)
        return cleaned

    def validate_unique(self):
        pass  # the service says so when the username is taken


def _operator_only(user) -> bool:
    return user.is_superuser or role_of(user) in OPERATOR_ONLY_ROLES


admin.site.unregister(User)
admin.site.unregister(Group)


@admin.register(User)
class StaffAdmin(admin.ModelAdmin):
    form = StaffForm
    add_form = StaffCreationForm
    list_display = ("username", "full_name", "email", "role", "sites", "is_active", "last_login")
    list_filter = ("is_active", ("groups", admin.RelatedOnlyFieldListFilter))
    search_fields = ("username", "first_name", "last_name", "email")
    ordering = ("username",)
    readonly_fields = ("last_login", "date_joined", "access_history")

    def _manager(self, request) -> bool:
        return request.user.is_active and request.user.is_staff and may_manage_staff(request.user)

    def has_module_permission(self, request):
        return self._manager(request)

    def has_view_permission(self, request, obj=None):
        return self._manager(request)

    def has_add_permission(self, request):
        return self._manager(request)

    def has_change_permission(self, request, obj=None):
        if not self._manager(request):
            return False
        return obj is None or request.user.is_superuser or not _operator_only(obj)

    def has_delete_permission(self, request, obj=None):
        return False  # accounts are deactivated, never deleted: the audit trail names them

    def get_actions(self, request):
        return {}

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("groups", "site_assignments__site")

    def get_fieldsets(self, request, obj=None):
        if obj is None:
            return [
                (None, {"fields": ("username", "password1", "password2")}),
                ("Access", {"fields": ("role", "sites", "email")}),
                ("Name", {"fields": ("first_name", "last_name")}),
                (None, {"fields": ("reason",)}),
            ]
        reason = [] if self._view_only(request, obj) else [(None, {"fields": ("reason",)})]
        return [
            ("Access", {"fields": ("role", "sites", "email", "is_active")}),
            ("Name", {"fields": ("first_name", "last_name")}),
            *reason,
            ("History", {"fields": ("last_login", "date_joined", "access_history")}),
        ]

    def _view_only(self, request, obj) -> bool:
        """An account the user may read but not change (an operator-only role's)."""
        return obj is not None and not self.has_change_permission(request, obj)

    def get_form(self, request, obj=None, change=False, **kwargs):
        base = self.add_form if obj is None else self.form
        kwargs["form"] = base
        # A page shown read-only has no form fields (Django extends `exclude` with them).
        kwargs["fields"] = () if self._view_only(request, obj) else None
        form_class = super().get_form(request, obj, change=change, **kwargs)

        class WithUser(form_class):
            def __init__(self, *args, **kw):
                super().__init__(*args, by_user=request.user, **kw)

        return WithUser

    def get_readonly_fields(self, request, obj=None):
        return () if obj is None else self.readonly_fields

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        codes = [s.code for s in data["sites"]]
        if change:
            staff_update(
                user=obj,
                role=data["role"],
                site_codes=codes,
                email=data.get("email") or "",
                active=data.get("is_active", False),
                first_name=data.get("first_name") or "",
                last_name=data.get("last_name") or "",
                by_user=request.user,
                via="admin",
                reason=data.get("reason") or "",
            )
            obj.refresh_from_db()
            return
        user = staff_create(
            username=data["username"],
            role=data["role"],
            site_codes=codes,
            email=data.get("email") or "",
            first_name=data.get("first_name") or "",
            last_name=data.get("last_name") or "",
            password=data["password1"],
            by_user=request.user,
            via="admin",
            reason=data.get("reason") or "",
        )
        obj.pk = user.pk
        obj._state.adding = False
        obj.refresh_from_db()

    def save_related(self, request, form, formsets, change):
        pass  # roles and sites were applied by the service

    @admin.display(description="name")
    def full_name(self, obj):
        return obj.get_full_name()

    @admin.display(description="role")
    def role(self, obj):
        names = {g.name for g in obj.groups.all()}
        return next((r.label for r in Role if r.value in names), "—")

    @admin.display(description="sites")
    def sites(self, obj):
        return ", ".join(sorted(a.site.code for a in obj.site_assignments.all())) or "all"

    @admin.display(description="changes of access")
    def access_history(self, obj):
        rows = StaffAccessChange.objects.filter(user=obj).order_by("-changed_at", "-pk")[:50]
        if not rows:
            return "—"
        return format_html(
            "<table><thead><tr><th>When</th><th>By</th><th>What</th><th>Reason</th>"
            "</tr></thead><tbody>{}</tbody></table>",
            format_html_join(
                "",
                "<tr><td>{}</td><td>{} ({})</td><td>{}</td><td>{}</td></tr>",
                (
                    (
                        r.changed_at.strftime("%Y-%m-%d %H:%M"),
                        r.changed_by_name,
                        r.via,
                        describe_changes(r),
                        r.reason,
                    )
                    for r in rows
                ),
            ),
        )


def _shown(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        return ", ".join(str(v) for v in value) or "none"
    return str(value)


def describe_changes(change: StaffAccessChange) -> str:
    if change.kind == StaffAccessChange.Kind.PASSWORD:
        return "password set"
    if change.kind == StaffAccessChange.Kind.CREATED:
        return "created: " + "; ".join(
            f"{name}: {_shown(new)}" for name, (_, new) in change.changes.items()
        )
    return "; ".join(
        f"{name}: {_shown(old)} → {_shown(new)}" for name, (old, new) in change.changes.items()
    )


@admin.register(StaffAccessChange)
class StaffAccessChangeAdmin(admin.ModelAdmin):
    """The record of every change of staff access (read-only)."""

    list_display = ("changed_at", "username", "kind", "what", "reason", "changed_by_name", "via")
    list_filter = ("kind", "via")
    search_fields = ("username", "reason", "changed_by_name")
    fields = ("changed_at", "username", "kind", "what", "reason", "changed_by_name", "via")
    readonly_fields = fields

    def _manager(self, request) -> bool:
        return request.user.is_active and request.user.is_staff and may_manage_staff(request.user)

    def has_module_permission(self, request):
        return self._manager(request)

    def has_view_permission(self, request, obj=None):
        return self._manager(request)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description="what changed")
    def what(self, obj):
        return describe_changes(obj)


# API tokens: made only by `manage.py create_api_token` (hashed, expiring); here they
# are listed, and revoked by deleting them. knox's own admin, which makes tokens
# without expiry, is removed.
admin.site.unregister(AuthToken)


@admin.register(AuthToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ("user", "token_key", "created", "expiry")
    list_filter = ("expiry",)
    search_fields = ("user__username",)
    fields = ("user", "token_key", "created", "expiry")
    readonly_fields = fields

    def _manager(self, request) -> bool:
        return request.user.is_active and request.user.is_staff and may_manage_staff(request.user)

    def has_module_permission(self, request):
        return self._manager(request)

    def has_view_permission(self, request, obj=None):
        return self._manager(request)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return self._manager(request)
