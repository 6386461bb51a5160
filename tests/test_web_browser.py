"""The coordinator's week in a real browser (Debian's Chromium, driven by Playwright): sign in
from the bot's /web link, find the overdue communes of a former district, read a blocked
reason, open evidence, approve an extension, and see the commune's chat hear of it."""

import asyncio
import re
import datetime as dt
import shutil

import pytest
from sqlmodel import Session, select

from models.access import people
from bots.standin.server import StandIn
from bots.standin.world import Limits, World
from models.engine import lifecycle
from models.engine.opening import Opener
from models.store.tables import Obligation, Task
from models.calendar.workcal import VN, WorkingCalendar
from tests.botkit import bot_running, last_text_contains, link, texts
from web.app import create_app
from web.server import Background

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
# The flags a closed network needs: no background calls home, no sandbox as root.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]
PLAN = "binh-dinh-53-2019"
COMMUNE, COORDINATOR_UNIT = "binh-dinh/xa-21550", "binh-dinh/so-noi-vu"
ASSIGNEE, COORDINATOR = 501, 900


@pytest.fixture
def world_and_web(applied, tmp_path, monkeypatch):
    if CHROMIUM is None:
        pytest.fail("the browser tests need Debian's chromium (apt-get install chromium; .ci/run installs it)")
    with Session(applied) as session:
        Opener(session, PLAN, WorkingCalendar()).period("2019-Q3")
        ob = _obligation(session, "1.1")
        people.store_evidence(session, ob, b"%PDF-1.4 bien ban hop thon", "bien-ban.pdf", "application/pdf",
                               "test", tmp_path / "evidence")
        lifecycle.request_extension(session, ob, dt.datetime(2019, 10, 31, 23, 59, tzinfo=VN),
                                    "chờ số liệu của các thôn", "test")
        lifecycle.mark_blocked(session, _obligation(session, "1.3"), "chưa có kinh phí", "test")
        tokens = {ASSIGNEE: people.create_invitation(session, COMMUNE, "Nguyễn Văn An"),
                  COORDINATOR: people.create_invitation(session, COORDINATOR_UNIT, "Lê Chuyên viên",
                                                         role="coordinator")}
        session.commit()
    web = Background(create_app(applied, tmp_path / "evidence"), port=0).start()
    monkeypatch.setenv("DONDOC_WEB_URL", web.url)
    with StandIn() as stand_in:
        world = stand_in.reset(World(limits=Limits().scaled(1000)))
        for user in tokens:
            world.add_user(user, f"user{user}")
        yield applied, stand_in, tokens, tmp_path, web
    web.stop()


def _obligation(session, code, unit=COMMUNE):
    return session.exec(select(Obligation).join(Task, Task.id == Obligation.task_id)
                        .where(Obligation.unit_id == unit, Task.code == code, Obligation.period == "2019-Q3")).one()


def test_the_coordinators_week_in_a_browser(world_and_web):
    from playwright.async_api import async_playwright

    engine, stand_in, tokens, folder, web = world_and_web
    world = stand_in.world

    async def scenario():
        async with bot_running(engine, stand_in, folder):
            await link(world, ASSIGNEE, tokens[ASSIGNEE], "Đã liên kết")
            await link(world, COORDINATOR, tokens[COORDINATOR], "vai trò điều phối")
            seen = len(texts(world, COORDINATOR))
            world.user_sends(COORDINATOR, "/web")
            await last_text_contains(world, COORDINATOR, "/login?token=", seen)
            url = next(t for t in texts(world, COORDINATOR)[seen:] if "/login?token=" in t).split("\n")[-1].strip()
            assert url.startswith(web.url)

            async with async_playwright() as playwright:
                browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
                page = await browser.new_page(viewport={"width": 1400, "height": 900}, accept_downloads=True)
                refused = []  # what the Content-Security-Policy blocked: nothing of ours may need an exception
                page.on("console", lambda m: refused.append(m.text) if "Content Security Policy" in m.text else None)
                await _week(page, engine, url)
                assert refused == []
                await browser.close()

            # the decision reaches the commune through the outbox, delivered as `dondoc serve` does
            await last_text_contains(world, ASSIGNEE, "Đã đồng ý gia hạn nhiệm vụ 1.1 đến 31/10/2019")

    async def _week(page, engine, url):
        await page.goto(url)
        await page.get_by_role("button", name="Đăng nhập").click()
        await page.get_by_role("link", name="53/KH-UBND").click()
        assert await page.locator("table.heat").count() == 1

        # the overdue communes of the former Tuy Phước district, on area 1
        await page.goto(f"{web.url}/obligations?plan={PLAN}")
        for name, value in (("former", "binh-dinh/huyen-550"), ("category", "open_overdue"), ("area", "1")):
            await page.select_option(f"select[name={name}]", value=value)  # each choice reloads the list
            await page.wait_for_url(lambda u, part=f"{name}={value.replace('/', '%2F')}&": part in u)
        units = await page.locator("#results tbody tr td:nth-child(2)").all_inner_texts()
        assert units and all("Tuy Phước" in u for u in units)

        # a blocked reason, found by typing without diacritics
        await page.goto(f"{web.url}/obligations")
        await page.check("input[name=blocked]")
        await page.fill("input[name=q]", "nhon binh")
        # a locator, not wait_for_function: the page's policy forbids evaluating strings as script
        await page.locator("#results", has_text="chưa có kinh phí").wait_for()

        # the extension request: its evidence, then the approval
        await page.goto(f"{web.url}/decisions")
        await page.get_by_role("link", name="1.1").first.click()
        assert "chờ số liệu của các thôn" in await page.content()
        async with page.expect_download() as download_info:
            await page.get_by_role("link", name="bien-ban.pdf").click()
        download = await download_info.value
        assert open(await download.path(), "rb").read() == b"%PDF-1.4 bien ban hop thon"
        await page.get_by_role("button", name="Đồng ý gia hạn").click()
        await page.wait_for_selector("p.ok")
        with Session(engine) as session:
            assert _obligation(session, "1.1").status == "open"

        # the filtered report, asked for, made in the background (the page follows it), downloaded
        await page.goto(f"{web.url}/obligations?plan={PLAN}&former=binh-dinh/huyen-550&period=2019-Q3")
        await page.get_by_role("button", name="Excel (.xlsx)").click()
        await page.get_by_role("link", name=re.compile("Tải về")).wait_for(timeout=300_000)  # a bound, not a speed
        async with page.expect_download() as download_info:
            await page.get_by_role("link", name=re.compile("Tải về")).click()
        assert (await download_info.value).suggested_filename == f"bao-cao-{PLAN}-quy-iii-2019.xlsx"

    asyncio.run(scenario())


def test_a_coordinator_brings_a_word_plan_in_and_corrects_it_in_a_browser(applied, tmp_path, monkeypatch):
    """Upload the Word plan, see the rows it doubted, correct every lead and deadline and the
    plan's own fields, download the YAML, apply the plan."""
    from playwright.async_api import async_playwright

    from models.access.weblogin import create_login_link
    from models.org.directory import load_directory
    from models.store.tables import Task
    from tests.conftest import ORG
    from tests.test_corpus import CORPUS

    if CHROMIUM is None:
        pytest.fail("the browser tests need Debian's chromium (apt-get install chromium; .ci/run installs it)")
    web = Background(create_app(applied, tmp_path / "evidence", directory=load_directory(ORG)), port=0).start()
    monkeypatch.setenv("DONDOC_WEB_URL", web.url)
    with Session(applied) as session:
        token = create_login_link(session, COORDINATOR_UNIT, "Lê Chuyên viên", "coordinator", "test")
        session.commit()

    async def scenario() -> str:
        async with async_playwright() as playwright:
            browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            page = await browser.new_page(viewport={"width": 1400, "height": 900}, accept_downloads=True)
            refused = []
            page.on("console", lambda m: refused.append(m.text) if "Content Security Policy" in m.text else None)
            await page.goto(f"{web.url}/login?token={token}")
            await page.get_by_role("button", name="Đăng nhập").click()
            await page.get_by_role("link", name="Nhập kế hoạch").click()
            await page.set_input_files("input[type=file]", str(CORPUS / "12-laocai-sct-kh2242-2026-kiemtra-vlncn.docx"))
            await page.get_by_role("button", name="Đọc kế hoạch").click()
            await page.wait_for_selector("table.review")
            assert await page.locator("tr.doubt").count() == 9  # every row: numbered by its position
            for name, value in (("Số hiệu", "2242/KH-SCT"), ("Cơ quan ban hành", "Sở Công Thương tỉnh Lào Cai"),
                                ("Ngày ban hành", "2026-04-23"), ("Đơn vị theo dõi, đôn đốc", "Sở Công Thương"),
                                ("Mã kế hoạch", "laocai-kh2242-2026")):
                await page.get_by_label(name).fill(value)
            await page.locator("form.plan-fields button").click()
            for n in range(1, 10):
                await page.get_by_label(f"lead {n}").fill("Sở Công Thương")
                await page.locator(f"#task-{n} td:nth-child(3) button").click()
                await page.get_by_label(f"timing {n}").select_option("once")
                await page.get_by_label(f"date {n}").fill("2026-06-30")
                await page.locator(f"#task-{n} form.timing button").click()
                await page.wait_for_selector(f"#task-{n} .ok")
            async with page.expect_download() as download_info:
                await page.get_by_role("link", name="Tải tệp YAML").click()
            text = open(await (await download_info.value).path(), encoding="utf-8").read()
            await page.get_by_role("button", name="Áp dụng kế hoạch").click()
            await page.wait_for_url(f"{web.url}/plans/laocai-kh2242-2026")
            await browser.close()
            assert refused == []
            return text
    try:
        assert "lead: [Sở Công Thương]" in asyncio.run(scenario())
        with Session(applied) as session:
            tasks = session.exec(select(Task).where(Task.plan_id == "laocai-kh2242-2026")).all()
            assert len(tasks) == 9 and {t.timing_kind for t in tasks} == {"once"}
    finally:
        web.stop()


def test_the_dashboard_fits_a_phone(applied, tmp_path, monkeypatch):
    """At 390×844, where a commune chair opens the link from Zalo, no page is wider than the
    screen: wide tables scroll inside themselves."""
    from playwright.async_api import async_playwright

    from models.access.weblogin import create_login_link

    if CHROMIUM is None:
        pytest.fail("the browser tests need Debian's chromium (apt-get install chromium; .ci/run installs it)")
    with Session(applied) as session:
        Opener(session, PLAN, WorkingCalendar()).period("2019-Q3")
        ob_id = session.exec(select(Obligation.id)).first()
        token = create_login_link(session, COORDINATOR_UNIT, "Lê Chuyên viên", "coordinator", "test")
        session.commit()
    web = Background(create_app(applied, tmp_path / "evidence"), port=0).start()
    monkeypatch.setenv("DONDOC_WEB_URL", web.url)

    async def scenario() -> dict[str, int]:
        async with async_playwright() as playwright:
            browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            page = await browser.new_page(viewport={"width": 390, "height": 844})
            await page.goto(f"{web.url}/login?token={token}")
            await page.get_by_role("button", name="Đăng nhập").click()
            widths = {}
            for path in (f"/plans/{PLAN}", f"/obligations?plan={PLAN}", f"/obligations/{ob_id}", "/decisions",
                         f"/plans/{PLAN}/areas/1", "/reach"):
                await page.goto(f"{web.url}{path}")
                widths[path] = await page.evaluate("document.documentElement.scrollWidth")
            await browser.close()
            return widths
    try:
        widths = asyncio.run(scenario())
    finally:
        web.stop()
    assert all(width <= 390 for width in widths.values()), [f"{p}: {w}" for p, w in widths.items()]
