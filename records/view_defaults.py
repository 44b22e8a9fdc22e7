"""The saved views a workspace starts with, and the view each role opens the records list on.

One view per kind of work the roles do (seed 004: marketing generates leads, SDRs qualify MQLs
into SQLs, AEs work opportunities, CSMs look after customers, renewals re-sign them; leaders
watch the pipeline). Stages are named by their key, found in the workspace when the views are
installed: a workspace that has no such stage (renamed keys, retired) gets no view for it.

Plain data and one function taking the model classes: the workspace_set_up receiver and the
data migration for workspaces that existed before both install with it, and a migration must
not import live models.
"""

OPEN = "open"

BUILTIN_VIEWS = [
    {
        "key": "my_records",
        "name": "My records",
        "params": {"owner": "me"},
        "columns": ["stage", "expected_arr", "close_date", "icp", "status", "updated"],
    },
    {
        "key": "my_mqls",
        "name": "My MQLs",
        "stage": "mql",
        "params": {"owner": "me", "status": OPEN, "sort": "-icp"},
        "columns": ["source", "country", "industry", "employees", "icp", "updated"],
    },
    {
        "key": "my_sqls",
        "name": "My SQLs",
        "stage": "sql",
        "params": {"owner": "me", "status": OPEN, "sort": "-icp"},
        "columns": ["source", "country", "employees", "icp", "expected_arr", "updated"],
    },
    {
        "key": "my_open_opportunities",
        "name": "My open opportunities",
        "stage": "opportunity",
        "params": {"owner": "me", "status": OPEN},
        "columns": ["expected_arr", "close_date", "forecast", "icp", "updated"],
    },
    {
        "key": "open_opportunities",
        "name": "Open opportunities",
        "stage": "opportunity",
        "params": {"owner": "any", "status": OPEN},
        "columns": ["owner", "expected_arr", "close_date", "forecast", "icp", "updated"],
    },
    {
        "key": "open_leads",
        "name": "Open leads",
        "stage": "lead",
        "params": {"owner": "any", "status": OPEN, "sort": "-created"},
        "columns": ["owner", "source", "country", "industry", "icp", "created"],
    },
    {
        "key": "my_customers",
        "name": "My customers",
        "stage": "won",
        "params": {"owner": "me"},
        "columns": ["country", "industry", "employees", "icp", "updated"],
    },
    {
        "key": "my_overdue",
        "name": "My overdue tasks",
        "params": {"owner": "me", "overdue": "on"},
        "columns": ["stage", "expected_arr", "close_date", "icp", "updated"],
    },
    {
        "key": "nurture",
        "name": "Nurture",
        "params": {"owner": "any", "status": "nurture"},
        "columns": ["stage", "owner", "source", "icp", "updated"],
    },
]

# Admins have no default: they open on every record. SEs support the AEs' deals; renewal reps
# own the records handed to them (Expanded) and the customers coming up for renewal.
ROLE_DEFAULTS = {
    "leader": "open_opportunities",
    "marketing": "open_leads",
    "sdr": "my_mqls",
    "ae": "my_open_opportunities",
    "se": "open_opportunities",
    "csm": "my_customers",
    "renewals": "my_records",
}

DEFAULT_SORT = "-updated"


def install(workspace_id, *, view_model, default_model, stage_model) -> int:
    """Give the workspace the built-in views it lacks and a default view to each role that has
    none. Idempotent; returns how many views it added."""
    stages = dict(
        stage_model.objects.filter(workspace_id=workspace_id, is_retired=False).values_list(
            "key", "pk"
        )
    )
    existing = {
        view.builtin: view
        for view in view_model.objects.filter(workspace_id=workspace_id).exclude(builtin="")
    }
    added = 0
    for spec in BUILTIN_VIEWS:
        if spec["key"] in existing:
            continue
        params = {"sort": DEFAULT_SORT, **spec["params"]}
        if "stage" in spec:
            if spec["stage"] not in stages:
                continue
            params["stage"] = str(stages[spec["stage"]])
        existing[spec["key"]] = view_model.objects.create(
            workspace_id=workspace_id,
            name=spec["name"],
            shared=True,
            builtin=spec["key"],
            params={key: [value] for key, value in params.items()},
            columns=list(spec["columns"]),
        )
        added += 1
    chosen = set(
        default_model.objects.filter(workspace_id=workspace_id).values_list("role", flat=True)
    )
    for role, key in ROLE_DEFAULTS.items():
        if role not in chosen and key in existing:
            default_model.objects.create(workspace_id=workspace_id, role=role, view=existing[key])
    return added
