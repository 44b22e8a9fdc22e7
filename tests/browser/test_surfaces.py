"""Work surfaces in a real browser: errors shown in place with DEBUG on, the record edit form's
checkboxes, the narrow layout, the board's owner-change dialog."""

import pytest

from playbook.models import Role
from records.models import Contact
from tests.browser.conftest import assert_no_browser_problems, log_in
from tests.factories import ContactFactory, MembershipFactory, RecordFactory

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


def test_the_stage_checklist_follows_a_contact_edited_in_place(page, workspace, member):
    from pipeline import services as pipeline_services
    from pipeline.models import StageDefinition

    pipeline_services.pipeline_install_defaults(workspace=workspace)
    lead = StageDefinition.objects.get(workspace=workspace, key="lead")
    record = RecordFactory(workspace=workspace, name="Acme", country="Germany", icp_score=80)
    record.stage = lead
    record.save()
    contact = ContactFactory(
        record=record, is_primary=True, phone_raw="+49 123 45", phone="", phone_valid=False
    )
    log_in(page, member.user.email)
    page.goto(f"/w/{workspace.slug}/records/{record.pk}/")
    checklist = page.locator("#stage-panel .checklist")
    assert "phone number is not valid" in checklist.inner_text()
    unmet_before = checklist.locator("li.unmet").count()
    page.locator(f"#contact-{contact.pk}").get_by_role("link", name="Edit").click()
    form = page.locator("#contacts form").first
    form.get_by_label("Phone").fill("030 901820")
    form.get_by_role("button", name="Save contact").click()
    page.wait_for_function(
        "() => !document.querySelector('#stage-panel .checklist')"
        ".innerText.includes('phone number is not valid')"
    )
    assert checklist.locator("li.unmet").count() == unmet_before - 1
    assert page.url.endswith(f"/records/{record.pk}/")  # in place, no page load
    assert_no_browser_problems(page)


def test_a_drag_back_that_changes_the_owner_asks_first_then_offers_undo(page, workspace):
    from pipeline import services as pipeline_services
    from pipeline.models import StageDefinition, StageTransition
    from tests.browser.test_pipeline import drag
    from tests.pipeline.conftest import qualify

    pipeline_services.pipeline_install_defaults(workspace=workspace)
    admin = MembershipFactory(workspace=workspace, role=Role.ADMIN)
    ae = MembershipFactory(workspace=workspace, role=Role.AE)
    sdr = MembershipFactory(workspace=workspace, role=Role.SDR)
    stages = {s.key: s for s in StageDefinition.objects.filter(workspace=workspace)}
    record = qualify(
        RecordFactory(workspace=workspace, name="Deal Co", owner=ae.user), "opportunity"
    )
    record.stage = stages["opportunity"]
    record.save()
    log_in(page, admin.user.email)
    page.goto(f"/w/{workspace.slug}/pipeline/board/")
    sql = page.locator(f'.board-cards[data-stage="{stages["sql"].pk}"]')
    drag(page, page.locator(f"#card-{record.pk}"), sql)
    dialog = page.locator("dialog.move-dialog[open]")
    dialog.get_by_role("button", name=f"Move and hand to {sdr.user}").wait_for()
    assert f"hands it to {sdr.user}" in " ".join(dialog.inner_text().split())
    record.refresh_from_db()
    assert record.stage == stages["opportunity"]  # nothing moved before the confirmation
    dialog.get_by_role("button", name=f"Move and hand to {sdr.user}").click()
    page.wait_for_url(f"**/w/{workspace.slug}/pipeline/board/")
    message = page.locator("#messages")
    message.get_by_role("button", name="Undo").wait_for()
    assert f"handed to {sdr.user}" in message.inner_text()
    assert page.locator(f"#col-{stages['sql'].pk}-header .col-count").inner_text() == "1"
    assert page.locator(f"#col-{stages['opportunity'].pk}-header .col-count").inner_text() == "0"
    record.refresh_from_db()
    assert record.stage == stages["sql"] and record.owner == sdr.user
    message.get_by_role("button", name="Undo").click()
    page.locator("#messages", has_text="Undone").wait_for()
    record.refresh_from_db()
    assert record.stage == stages["opportunity"] and record.owner == ae.user
    assert StageTransition.objects.filter(record=record).count() == 2
    assert page.locator(f"#col-{stages['opportunity'].pk}-header .col-count").inner_text() == "1"
    assert_no_browser_problems(page)


def test_the_dialog_can_be_cancelled(page, workspace):
    from pipeline import services as pipeline_services
    from pipeline.models import StageDefinition, StageTransition
    from tests.browser.test_pipeline import drag
    from tests.pipeline.conftest import qualify

    pipeline_services.pipeline_install_defaults(workspace=workspace)
    admin = MembershipFactory(workspace=workspace, role=Role.ADMIN)
    ae = MembershipFactory(workspace=workspace, role=Role.AE)
    MembershipFactory(workspace=workspace, role=Role.SDR)
    stages = {s.key: s for s in StageDefinition.objects.filter(workspace=workspace)}
    record = qualify(
        RecordFactory(workspace=workspace, name="Deal Co", owner=ae.user), "opportunity"
    )
    record.stage = stages["opportunity"]
    record.save()
    log_in(page, admin.user.email)
    page.goto(f"/w/{workspace.slug}/pipeline/board/")
    sql = page.locator(f'.board-cards[data-stage="{stages["sql"].pk}"]')
    drag(page, page.locator(f"#card-{record.pk}"), sql)
    dialog = page.locator("dialog.move-dialog[open]")
    dialog.get_by_role("button", name="Cancel").last.click()
    page.locator("dialog.move-dialog").wait_for(state="detached")
    opportunity = page.locator(f'.board-cards[data-stage="{stages["opportunity"].pk}"]')
    assert opportunity.locator(f"#card-{record.pk}").count() == 1
    assert not StageTransition.objects.filter(record=record).exists()
    assert_no_browser_problems(page)


def _page_width(page):
    return page.evaluate("document.documentElement.scrollWidth")


def test_at_390_px_the_navigation_folds_and_the_list_does_not_scroll_sideways(
    page, workspace, member
):
    page.set_viewport_size({"width": 390, "height": 844})
    for i in range(3):
        RecordFactory(workspace=workspace, name=f"Northwind Traders {i}", domain=f"nw{i}.example")
    log_in(page, member.user.email)
    page.goto(f"/w/{workspace.slug}/records/")
    assert _page_width(page) <= 390
    menu = page.get_by_role("button", name="Menu")
    assert menu.is_visible() and menu.get_attribute("aria-expanded") == "false"
    assert not page.get_by_role("link", name="Board").is_visible()
    menu.click()
    assert menu.get_attribute("aria-expanded") == "true"
    assert page.get_by_role("link", name="Board").is_visible()
    page.locator("summary", has_text=member.user.display_name).click()
    log_out = page.get_by_role("button", name="Log out")
    box = log_out.bounding_box()
    assert log_out.is_visible() and box["x"] >= 0 and box["x"] + box["width"] <= 390
    assert _page_width(page) <= 390
    # Each record reads as a card: name, then the other fields labelled, inside the screen.
    row = page.locator("#record-results tbody tr").first
    row_box = row.bounding_box()
    assert row_box["x"] >= 0 and row_box["x"] + row_box["width"] <= 390
    labels = row.locator("td").evaluate_all(
        "tds => tds.map(td => getComputedStyle(td, '::before').content)"
    )
    assert '"Owner: "' in labels and '"Status: "' in labels, labels
    assert_no_browser_problems(page)


def test_at_1366_px_the_whole_navigation_is_on_screen_without_a_menu_button(
    page, workspace, member
):
    page.set_viewport_size({"width": 1366, "height": 900})
    workspace.name = "Northwind Traders International Holdings"
    workspace.save()
    member.user.full_name = "Maximiliane Wolkenstein-Oberhausen"
    member.user.save()
    log_in(page, member.user.email)
    page.goto(f"/w/{workspace.slug}/records/")
    assert not page.get_by_role("button", name="Menu").is_visible()
    assert page.get_by_role("link", name="Board").is_visible()
    assert _page_width(page) <= 1366
    user_menu = page.locator(".nav-user summary").last.bounding_box()
    assert user_menu["x"] + user_menu["width"] <= 1366
    assert_no_browser_problems(page)


def test_the_filter_bar_is_aligned_and_keeps_empty_filters_out_of_the_address(
    page, workspace, member
):
    page.set_viewport_size({"width": 1366, "height": 900})
    RecordFactory(workspace=workspace, name="Northwind Traders", source="webinar")
    RecordFactory(workspace=workspace, name="Contoso", source="outbound")
    log_in(page, member.user.email)
    page.goto(f"/w/{workspace.slug}/records/")
    bar = page.locator(".filter-bar")
    heights = bar.locator("input:not([type=checkbox]), select").evaluate_all(
        "els => els.map(e => Math.round(e.getBoundingClientRect().height))"
    )
    assert len(heights) >= 5 and len(set(heights)) == 1, heights
    bottoms = bar.locator(".filter-field").evaluate_all(
        "els => els.map(e => Math.round(e.getBoundingClientRect().bottom))"
    )
    assert max(bottoms) - min(bottoms) <= 2, bottoms  # one baseline
    page.get_by_label("Source").select_option("outbound")
    page.wait_for_url("**source=outbound**")
    page.wait_for_function(
        "() => !document.querySelector('.htmx-request, .htmx-settling, .htmx-swapping')"
    )
    query = page.url.split("?", 1)[1]
    assert query == "source=outbound", page.url
    assert "Contoso" in page.locator("#record-results").inner_text()
    # Without JS (a plain submit) the list redirects to the same tidy address.
    page.goto(f"/w/{workspace.slug}/records/?q=&owner=&source=outbound&status=")
    assert page.url.endswith("/records/?source=outbound")
    assert_no_browser_problems(page)


def test_a_card_moves_with_the_keyboard_alone(page, workspace):
    from pipeline import services as pipeline_services
    from pipeline.models import StageDefinition, StageTransition

    pipeline_services.pipeline_install_defaults(workspace=workspace)
    admin = MembershipFactory(workspace=workspace, role=Role.ADMIN)
    stages = {s.key: s for s in StageDefinition.objects.filter(workspace=workspace)}
    record = RecordFactory(
        workspace=workspace, name="Ready Co", icp_score=80, problem_acknowledged=True
    )
    ContactFactory(record=record, is_primary=True)
    record.stage = stages["lead"]
    record.save()
    page.set_viewport_size({"width": 1366, "height": 900})
    log_in(page, admin.user.email)
    page.goto(f"/w/{workspace.slug}/pipeline/board/")
    assert _page_width(page) <= 1366  # the six columns fit
    card = page.locator(f"#card-{record.pk}")
    card.locator("summary").focus()
    page.keyboard.press("Enter")  # opens "Move to…"
    page.keyboard.press("Tab")
    select = card.get_by_label(f"Stage to move {record.name} to")
    assert page.evaluate("document.activeElement.id") == f"move-{record.pk}"
    select.select_option(label="MQL")
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")  # "Move"
    page.wait_for_url(f"**/w/{workspace.slug}/pipeline/board/")
    mql = page.locator(f'.board-cards[data-stage="{stages["mql"].pk}"]')
    mql.locator(f"#card-{record.pk}").wait_for()
    assert "Ready Co moved to MQL" in page.locator("#messages").inner_text()
    assert StageTransition.objects.get(record=record).to_stage == stages["mql"]
    assert_no_browser_problems(page)


def test_the_board_headers_stay_in_view_while_the_cards_scroll(page, workspace):
    from pipeline import services as pipeline_services
    from pipeline.models import StageDefinition

    pipeline_services.pipeline_install_defaults(workspace=workspace)
    admin = MembershipFactory(workspace=workspace, role=Role.ADMIN)
    lead = StageDefinition.objects.get(workspace=workspace, key="lead")
    for i in range(20):
        record = RecordFactory(workspace=workspace, name=f"Lead {i}")
        record.stage = lead
        record.save()
    page.set_viewport_size({"width": 1366, "height": 700})
    log_in(page, admin.user.email)
    page.goto(f"/w/{workspace.slug}/pipeline/board/")
    header = page.locator(f"#col-{lead.pk}-header")
    board_top = page.locator(".board").bounding_box()["y"]
    page.locator(".board").evaluate("b => b.scrollTo(0, 600)")
    page.wait_for_function("() => document.querySelector('.board').scrollTop > 0")
    assert abs(header.bounding_box()["y"] - board_top) < 2  # still at the top of the board
    assert_no_browser_problems(page)
