"""The pipeline every new workspace starts with: the stage agreement between marketing, sales and
customer success (after the "Pipeline Stage Definitions" alignment), as plain data.

Plain data on purpose: the workspace_created receiver and the data migration for workspaces that
existed before both read it, and a migration must not import live models.
"""


def _rule(kind: str, message: str, **params) -> dict:
    """One entry rule: its kind, the message a rep reads when it is unmet, its parameters."""
    return {"kind": kind, "params": params, "message": message}


# ICP score a company needs to count as marketing-qualified (editable per workspace as a rule).
MQL_ICP_THRESHOLD = 50

_MQL_RULES = [
    _rule("contact_phone_valid", "The primary contact's phone number is not valid."),
    _rule("contact_email_valid", "The primary contact's e-mail address is not valid."),
    _rule(
        "icp_at_least",
        f"The ICP score is below {MQL_ICP_THRESHOLD}: the company is outside our ideal "
        "customer profile.",
        min=MQL_ICP_THRESHOLD,
    ),
    _rule(
        "flag_set",
        "The prospect has not acknowledged the problem we solve.",
        flag="problem_acknowledged",
    ),
]

DEFAULT_STAGES = [
    {
        "key": "lead",
        "name": "Lead",
        "team": "marketing",
        "handoff_team": "",
        "probability": 2,
        "sla_days": 30,
        "definition": (
            "A company that showed interest in us or in what marketing publishes: it asked for a "
            "demo or a trial, registered for a webinar, downloaded a case study or left its "
            "details at a conference booth. Marketing nurtures leads with content until they are "
            "ready for a conversation."
        ),
        "rules": [
            _rule("has_contact", "Add a contact with an e-mail address or a phone number."),
        ],
    },
    {
        "key": "mql",
        "name": "MQL",
        "team": "marketing",
        "handoff_team": "inside_sales",
        "probability": 5,
        "sla_days": 3,
        "definition": (
            "A lead marketing vouches for: the primary contact left a phone number and an e-mail "
            "that work, the company fits our ideal customer profile, and they know the problem we "
            "solve. MQLs are marketing's main KPI and are handed to Inside Sales to qualify. A "
            "lead whose phone number is wrong stays a lead and keeps being nurtured."
        ),
        "rules": _MQL_RULES,
    },
    {
        "key": "sql",
        "name": "SQL",
        "team": "inside_sales",
        "handoff_team": "",
        "probability": 15,
        "sla_days": 14,
        "definition": (
            "An MQL a sales rep has spoken to: every MQL criterion still holds and was checked "
            "with the prospect in conversation, and the rep completed a demo."
        ),
        "rules": [
            *_MQL_RULES,
            _rule(
                "flag_set",
                "A rep has not verified the details with the prospect yet.",
                flag="details_verified",
            ),
            _rule("activity_done", "No demo has been completed.", activity_kind="demo"),
        ],
    },
    {
        "key": "opportunity",
        "name": "Opportunity",
        "team": "sales",
        "handoff_team": "",
        "probability": 40,
        "sla_days": 60,
        "definition": (
            "A qualified company with a real chance of buying: it has shown buying intent, we "
            "know who decides, and the deal has an expected ARR and a close date. Sales owns the "
            "deal until it is signed."
        ),
        "rules": [
            _rule("flag_set", "Buying intent is not confirmed.", flag="buying_intent"),
            _rule("field_present", "Set the deal's expected ARR.", field="expected_arr"),
            _rule(
                "field_present", "Set the deal's expected close date.", field="expected_close_date"
            ),
            _rule(
                "flag_set",
                "No decision maker has been identified.",
                flag="decision_maker_identified",
            ),
        ],
    },
    {
        "key": "won",
        "name": "Won",
        "team": "customer_success",
        "handoff_team": "",
        "probability": 100,
        "sla_days": None,
        "is_won": True,
        "is_closed": True,
        "definition": (
            "The company signed and became a paying customer. Customer Success onboards it and "
            "helps it succeed with the product."
        ),
        # "A signed subscription with ARR > 0": winning records the first subscription
        # (customers app, docs/adr/0301).
        "rules": [
            _rule("has_subscription", "Record the customer's first subscription (plan and MRR)."),
        ],
    },
    {
        "key": "expanded",
        "name": "Expanded",
        "team": "renewals",
        "handoff_team": "",
        "probability": 100,
        "sla_days": None,
        "is_won": True,
        "is_closed": True,
        "definition": (
            "A customer that bought more (an upsell or a cross-sell) or renewed on a larger plan. "
            "Renewals owns the next term."
        ),
        # "An upsell, cross-sell or renewal with higher ARR": an expansion in the MRR ledger
        # since the record was won (customers app, docs/adr/0301).
        "rules": [
            _rule("has_expansion", "No upsell, cross-sell or higher renewal since the win yet."),
        ],
    },
]

DEFAULT_LOST_REASONS = [
    "No budget",
    "Chose a competitor",
    "No decision: the prospect went silent",
    "Bad timing: not now",
    "Outside our ideal customer profile",
    "Wrong or unreachable contact details",
    "Duplicate of another record",
]


def install(workspace, *, stage_model, rule_model, lost_reason_model) -> bool:
    """Create the default stages, rules and lost reasons for `workspace` unless it has stages.

    The models are passed in so that the data migration can use its historical models and the
    service the live ones."""
    if stage_model.objects.filter(workspace=workspace).exists():
        return False
    stages = stage_model.objects.bulk_create(
        [
            stage_model(
                workspace=workspace,
                position=position,
                key=spec["key"],
                name=spec["name"],
                team=spec["team"],
                handoff_team=spec["handoff_team"],
                definition=spec["definition"],
                probability=spec["probability"],
                sla_days=spec["sla_days"],
                is_won=spec.get("is_won", False),
                is_closed=spec.get("is_closed", False),
            )
            for position, spec in enumerate(DEFAULT_STAGES)
        ]
    )
    rule_model.objects.bulk_create(
        [
            rule_model(
                workspace=workspace,
                stage=stage,
                position=position,
                kind=rule["kind"],
                params=dict(rule["params"]),
                message=rule["message"],
            )
            for stage, spec in zip(stages, DEFAULT_STAGES, strict=True)
            for position, rule in enumerate(spec["rules"])
        ]
    )
    if not lost_reason_model.objects.filter(workspace=workspace).exists():
        lost_reason_model.objects.bulk_create(
            [
                lost_reason_model(workspace=workspace, label=label, position=position)
                for position, label in enumerate(DEFAULT_LOST_REASONS)
            ]
        )
    return True
