"""The ICP profile a new workspace starts with: a B2B SaaS seller's usual fit signals (seed 004:
SDRs qualify by job title, problem, industry and size), as plain data in the condition language.

Plain data on purpose: the workspace_created receiver and the data migration for workspaces that
existed before both read it, and a migration must not import live models. Weights add up to 100,
so each weight reads as the points a met criterion earns.
"""


def _criterion(weight: int, kind: str, **params) -> dict:
    return {"kind": kind, "params": params, "weight": weight}


DEFAULT_CRITERIA = [
    _criterion(25, "field_in", field="industry", values=["Software", "Fintech", "Healthcare"]),
    _criterion(20, "number_range", field="employee_count", min="50", max="2000"),
    _criterion(
        10,
        "field_in",
        field="country",
        values=["United States", "United Kingdom", "Germany", "Canada", "Netherlands"],
    ),
    _criterion(10, "field_in", field="revenue_band", values=["1m_10m", "10m_50m", "50m_250m"]),
    _criterion(10, "contact_seniority_in", values=["c_level", "vp", "director"]),
    _criterion(5, "contact_title_contains", values=["Sales", "Revenue", "RevOps", "CRO"]),
    _criterion(10, "flag_set", flag="problem_acknowledged"),
    _criterion(10, "activity_count", min_count=3, within_days=90),
]
