"""Work surfaces in a real browser: errors shown in place with DEBUG on, the record edit form's
checkboxes, the narrow layout, the board's owner-change dialog."""

import pytest

from playbook.models import Role
from records.models import Contact
from tests.browser.conftest import assert_no_browser_problems, log_in
from tests.factories import MembershipFactory, RecordFactory

pytestmark = pytest.mark.browser


@pytest.fixture
def member(workspace):
    return MembershipFactory(workspace=workspace, role=Role.ADMIN)


def test_a_form_error_shows_in_place_with_debug_on(page, workspace, member, settings):
    # django-htmx's DEBUG handler used to replace the whole document with the 400 fragment.
    settings.DEBUG = True
    record = RecordFactory(workspace=workspace, name="Acme", country="Germany")
    log_in(page, member.user.email)
    page.goto(f"/w/{workspace.slug}/records/{record.pk}/")
    page.get_by_text("Add a contact").click()
    form = page.locator("#contacts form")
    form.get_by_label("First name").fill("Ada")
    form.get_by_label("Phone").fill("+49 123 45")
    form.get_by_role("button", name="Add contact").click()
    page.wait_for_selector("#id_phone_errors")
    assert "not a valid phone number" in page.locator("#id_phone_errors").inner_text()
    # The page around the form is still there, styled: the navigation and the record's heading.
    assert page.locator("nav").first.is_visible()
    assert page.get_by_role("heading", name="Acme").is_visible()
    assert page.evaluate("getComputedStyle(document.body).fontFamily") != "Times New Roman"
    assert not Contact.objects.exists()
    assert [p for p in page.problems if "status of 400" not in p] == []


@pytest.mark.parametrize("width", [1366, 1920])
def test_the_qualification_checkboxes_can_be_ticked_with_the_mouse(page, workspace, member, width):
    page.set_viewport_size({"width": width, "height": 900})
    record = RecordFactory(workspace=workspace, name="Acme")
    log_in(page, member.user.email)
    page.goto(f"/w/{workspace.slug}/records/{record.pk}/edit/")
    for name in ("problem_acknowledged", "buying_intent", "details_verified"):
        box = page.locator(f"input[name={name}]")
        box.scroll_into_view_if_needed()
        shape = box.bounding_box()
        x, y = shape["x"] + shape["width"] / 2, shape["y"] + shape["height"] / 2
        # Whatever is topmost at the box's centre must be the box itself (help text covered it).
        on_top = page.evaluate(f"document.elementFromPoint({x}, {y})?.name")
        assert on_top == name
        page.mouse.click(x, y)
        assert box.is_checked(), name
    assert_no_browser_problems(page)


def _luminance(rgb):
    def channel(c):
        c = c / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(c) for c in rgb)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def _rgb(css):
    import re

    parts = [float(p) for p in re.findall(r"[\d.]+", css)]
    assert len(parts) == 3 or parts[3] == 1, f"not opaque: {css}"
    return parts[:3]


def test_the_focus_ring_has_3_to_1_contrast(page, workspace, member):
    record = RecordFactory(workspace=workspace, name="Acme")
    log_in(page, member.user.email)
    page.goto(f"/w/{workspace.slug}/records/{record.pk}/edit/")
    for selector in (
        "input[name=name]",
        "main form button[type=submit]",
        "input[name=buying_intent]",
        "nav a",
    ):
        page.keyboard.press("Shift")  # a keyboard user: focus() then shows :focus-visible
        page.locator(selector).first.focus()
        style = page.evaluate(
            "(sel) => { const s = getComputedStyle(document.activeElement);"
            " return [s.outlineStyle, parseFloat(s.outlineWidth), s.outlineColor,"
            " getComputedStyle(document.documentElement).backgroundColor]; }",
            selector,
        )
        outline_style, width, colour, background = style
        assert outline_style == "solid" and width >= 2, (selector, style)
        lighter, darker = sorted((_luminance(_rgb(colour)), _luminance(_rgb(background))))[::-1]
        assert (lighter + 0.05) / (darker + 0.05) >= 3, (selector, style)
    assert_no_browser_problems(page)
