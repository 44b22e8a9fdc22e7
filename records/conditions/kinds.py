"""The kinds of condition: the one vocabulary of stage entry rules and ICP criteria."""

from django.db import models


class ConditionKind(models.TextChoices):
    FIELD_PRESENT = "field_present", "Field is filled in"
    FIELD_IN = "field_in", "Field is one of"
    NUMBER_RANGE = "number_range", "Number is in range"
    CONTACT_PHONE_VALID = "contact_phone_valid", "Primary contact's phone is valid"
    CONTACT_EMAIL_VALID = "contact_email_valid", "Primary contact's e-mail is valid"
    CONTACT_SENIORITY_IN = "contact_seniority_in", "Primary contact's seniority is one of"
    CONTACT_TITLE_CONTAINS = "contact_title_contains", "Primary contact's job title contains"
    ICP_AT_LEAST = "icp_at_least", "ICP score at least"
    ACTIVITY_DONE = "activity_done", "Activity of a kind done"
    ACTIVITY_COUNT = "activity_count", "Number of activities done"
    FLAG_SET = "flag_set", "Flag is set"
    HAS_CONTACT = "has_contact", "Has a contact"
    # Stage rules only, judged by the customers app, which registers them at start-up
    # (records.conditions.register; docs/adr/0301). Not ICP criteria: they describe a customer.
    HAS_SUBSCRIPTION = "has_subscription", "Has an active subscription"
    HAS_EXPANSION = "has_expansion", "Has an expansion since Won"


# Kinds that only make sense for a customer's stage (Won, Expanded), not for a prospect's fit.
CUSTOMER_KINDS = frozenset({ConditionKind.HAS_SUBSCRIPTION, ConditionKind.HAS_EXPANSION})
