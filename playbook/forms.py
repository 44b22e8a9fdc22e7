from django import forms
from django.contrib.auth import forms as auth_forms
from django.contrib.auth import password_validation
from django.template.loader import render_to_string

from playbook.mail import send_after_commit
from playbook.models import Role
from playbook.validation import EmailField, is_single_line_field, validate_single_line


class SingleLineFieldsMixin:
    """Each single-line text field of the form, including those a form adds in its __init__
    (custom fields, rule parameters), refuses control characters (playbook.validation)."""

    def full_clean(self):
        for field in self.fields.values():
            if is_single_line_field(field) and validate_single_line not in field.validators:
                field.validators.append(validate_single_line)
        super().full_clean()


class BaseForm(SingleLineFieldsMixin, forms.Form):
    """The base of every form in the project; tests/playbook/test_validation.py checks that
    every form class uses SingleLineFieldsMixin."""


class SignupForm(BaseForm):
    """Step one of sign-up: who you are and the workspace to start. The password is chosen from
    the link e-mailed to the address (SignupConfirmForm), which proves it is yours."""

    full_name = forms.CharField(label="Your name", max_length=150)
    email = EmailField(label="Work e-mail")
    workspace_name = forms.CharField(label="Company / workspace name", max_length=120)
    workspace_slug = forms.SlugField(
        label="Workspace address",
        max_length=50,
        required=False,
        help_text="Letters, numbers and hyphens; leave empty to derive it from the name.",
    )


class _NewPasswordForm(BaseForm):
    password1 = forms.CharField(
        label="Password",
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=password_validation.password_validators_help_text_html(),
    )
    password2 = forms.CharField(
        label="Password again", widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )

    def clean(self):
        data = super().clean()
        if data.get("password1") and data.get("password1") != data.get("password2"):
            self.add_error("password2", "The two passwords differ.")
        return data


class SignupConfirmForm(_NewPasswordForm):
    """Step two, from the e-mailed link: the password, and the workspace as step one named it
    (still editable: its address may have been taken meanwhile)."""

    workspace_name = forms.CharField(label="Company / workspace name", max_length=120)
    workspace_slug = forms.SlugField(label="Workspace address", max_length=50, required=False)


class WorkspaceForm(BaseForm):
    workspace_name = forms.CharField(label="Workspace name", max_length=120)
    workspace_slug = forms.SlugField(label="Workspace address", max_length=50, required=False)


# Least privileged first: the roles with no rights beyond their own work, then those that may
# change customers, then leaders (oversight, targets, the ICP) and admins (everything).
ROLES_BY_PRIVILEGE = [
    Role.MARKETING,
    Role.SDR,
    Role.AE,
    Role.SE,
    Role.CSM,
    Role.RENEWALS,
    Role.LEADER,
    Role.ADMIN,
]


class InviteForm(BaseForm):
    email = EmailField(label="E-mail")
    # An invitation starts at the least privileged role; Admin is a deliberate choice.
    role = forms.ChoiceField(
        choices=[(r.value, r.label) for r in ROLES_BY_PRIVILEGE], initial=ROLES_BY_PRIVILEGE[0]
    )


class RoleForm(BaseForm):
    role = forms.ChoiceField(choices=Role.choices)


class AcceptInvitationForm(_NewPasswordForm):
    full_name = forms.CharField(label="Your name", max_length=150)

    field_order = ["full_name", "password1", "password2"]


class PasswordResetForm(SingleLineFieldsMixin, auth_forms.PasswordResetForm):
    """Django's form (it e-mails only active accounts, and answers the same for any address)
    with the project's e-mail rule: one line, at most 254 characters."""

    email = EmailField(label="E-mail", widget=forms.EmailInput(attrs={"autocomplete": "email"}))

    def send_mail(
        self,
        subject_template_name,
        email_template_name,
        context,
        from_email,
        to_email,
        html_email_template_name=None,
    ):
        subject = "".join(render_to_string(subject_template_name, context).splitlines())
        send_after_commit(
            subject=subject, template=email_template_name, context=context, to=to_email
        )


def apply_service_error(form, exc) -> None:
    """Put a service's ValidationError on the form: per field where it names one."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            target = field if field in form.fields else None
            for error in errors:
                form.add_error(target, error)
    else:
        for message in exc.messages:
            form.add_error(None, message)
