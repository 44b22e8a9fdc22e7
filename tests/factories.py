"""Factories for every model. Each tenant-owned factory takes its workspace from its parent
(record -> contact, stage -> rule, ...), so a fixture can never mix workspaces by accident."""

from datetime import timedelta

import factory
from django.utils import timezone

from pipeline.models import LostReason, QualificationRule, StageDefinition, StageTransition
from playbook.models import Invitation, Membership, Role, User, Workspace
from records.models import Activity, ActivityKind, Contact, CustomFieldDefinition, Record
from targets.models import SeasonalityCurve, Target

PASSWORD = "correct-horse-battery-staple"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.com")
    full_name = factory.Faker("name")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class WorkspaceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Workspace

    name = factory.Sequence(lambda n: f"Workspace {n}")
    slug = factory.Sequence(lambda n: f"ws-{n}")


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    workspace = factory.SubFactory(WorkspaceFactory)
    user = factory.SubFactory(UserFactory)
    role = Role.ADMIN


class InvitationFactory(factory.django.DjangoModelFactory):
    """Pass `token=` to know the link; only its hash is stored."""

    class Meta:
        model = Invitation
        exclude = ("token",)

    workspace = factory.SubFactory(WorkspaceFactory)
    token = factory.Sequence(lambda n: f"token-{n}")
    email = factory.Sequence(lambda n: f"invitee{n}@example.com")
    role = Role.SDR
    token_hash = factory.LazyAttribute(lambda o: Invitation.hash_token(o.token))
    expires_at = factory.LazyFunction(lambda: timezone.now() + timedelta(days=7))


class StageDefinitionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = StageDefinition

    workspace = factory.SubFactory(WorkspaceFactory)
    key = factory.Sequence(lambda n: f"stage-{n}")
    name = factory.Sequence(lambda n: f"Stage {n}")
    position = factory.Sequence(lambda n: n)
    team = "marketing"


class QualificationRuleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = QualificationRule

    stage = factory.SubFactory(StageDefinitionFactory)
    workspace = factory.SelfAttribute("stage.workspace")
    kind = "flag_set"
    params = factory.LazyFunction(lambda: {"flag": "buying_intent"})
    message = "Buying intent is not confirmed."


class LostReasonFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = LostReason

    workspace = factory.SubFactory(WorkspaceFactory)
    label = factory.Sequence(lambda n: f"Reason {n}")


class RecordFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Record

    workspace = factory.SubFactory(WorkspaceFactory)
    name = factory.Faker("company")
    domain = factory.Sequence(lambda n: f"company{n}.example.com")
    industry = "Software"
    country = "Germany"
    source = "webinar"


class ContactFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Contact

    record = factory.SubFactory(RecordFactory)
    workspace = factory.SelfAttribute("record.workspace")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    email = factory.Sequence(lambda n: f"contact{n}@example.com")
    email_valid = True
    phone_raw = "+49 30 901820"
    phone = "+4930901820"
    phone_valid = True
    job_title = "Head of Sales"


class ActivityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Activity

    record = factory.SubFactory(RecordFactory)
    workspace = factory.SelfAttribute("record.workspace")
    kind = ActivityKind.CALL
    subject = factory.Sequence(lambda n: f"Activity {n}")
    occurred_at = factory.LazyFunction(timezone.now)


class CustomFieldDefinitionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CustomFieldDefinition

    workspace = factory.SubFactory(WorkspaceFactory)
    key = factory.Sequence(lambda n: f"field_{n}")
    label = factory.Sequence(lambda n: f"Field {n}")
    kind = "text"


class StageTransitionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = StageTransition

    record = factory.SubFactory(RecordFactory)
    workspace = factory.SelfAttribute("record.workspace")
    kind = "forward"
    to_stage = factory.SubFactory(
        StageDefinitionFactory, workspace=factory.SelfAttribute("..workspace")
    )
    at = factory.LazyFunction(timezone.now)


class TargetFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Target

    workspace = factory.SubFactory(WorkspaceFactory)
    metric = "wins"
    year = 2026
    month = 0
    scope = "team"
    team = "sales"
    scope_key = factory.LazyAttribute(
        lambda o: (
            "workspace"
            if o.scope == "workspace"
            else (f"team:{o.team}" if o.scope == "team" else f"person:{o.user.pk}")
        )
    )
    value = 12


class SeasonalityCurveFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SeasonalityCurve

    workspace = factory.SubFactory(WorkspaceFactory)
    name = factory.Sequence(lambda n: f"Curve {n}")
    weights = factory.LazyFunction(lambda: ["8.00"] * 8 + ["9.00"] * 4)
