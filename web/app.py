"""The coordinator's web dashboard: thin routes over models.report.dashboard (what pages show) and
web.actions (what people do). Every page needs a session from a sign-in link; every POST
carries the session's CSRF token; a GET never changes anything (mail scanners and chat
link previews open links)."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Iterator
from urllib.parse import parse_qsl, quote

from fastapi import Depends, FastAPI, Form, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from jinja2 import Environment, FileSystemLoader
from markupsafe import Markup
from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from models.common.texts import dead_reason_text, refusal_text, stage_text
from models.report import dashboard, exports
from models.engine import lifecycle
from models.engine.opening import untracked_tasks
from models.common.clock import utcnow
from models.common.text import code_key
from models.common.problems import InputError
from models.common.tokens import same_secret
from models.calendar.periods import period_words
from models.report.period import on_time_rate, trend_of
from models.report.rollup import LABELS, REPORT_FOUR, Tally, rollup
from models.store.tables import Area, ChatLink, Evidence, Obligation, Plan, ReportExport, Task
from models.access.weblogin import (SESSION_LIFETIME, LoginRefused, Viewer, csrf_ok, csrf_token, end_session,
                                    open_session, redeem_login_link, session_of, signed_link_used, viewer_of)
from models.access.people import EVIDENCE_TYPES, MAX_EVIDENCE
from models.chase import outbox as outbox_rows
from models.chase.notices import send_fresh_link
from models.chase.delivery_reports import read_sms_report
from web import actions
from web import charts
from web import words
from web.exports import ExportRunner
from models.access.signed import signature_ok, sms_report_token, web_url
from web.security import Guard
from models.common.text import is_number

ROOT = Path(__file__).resolve().parents[1]
COOKIE = "dondoc_session"
LANG_COOKIE = "dondoc_lang"
HTMX = "htmx-2.0.11.min.js"


class NotSignedIn(Exception):
    pass


class NotFound(Exception):
    pass


class Forbidden(Exception):
    pass


EXPORTS = {"xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "pdf": "application/pdf",
           "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document"}


def create_app(engine: Engine, evidence_folder: Path, bot_username: str | None = None, zalo=None,
               telegram=None, directory=None) -> FastAPI:
    """`zalo`: a bots.zalo.conversation.ZaloBot that answers what Zalo posts to /hooks/zalo (webhook mode);
    `telegram`: `dondoc serve`'s feeder of what Telegram posts to /hooks/telegram (webhook mode);
    `directory`: the installation's org directory, which imported plans are read and applied against."""
    app = FastAPI(docs_url=None, redoc_url=None, openapi_url=None)
    app.state.engine, app.state.evidence, app.state.bot = engine, Path(evidence_folder), bot_username
    app.state.directory = directory
    app.state.zalo, app.state.telegram = zalo, telegram
    app.state.exports = ExportRunner(engine)
    app.add_middleware(Guard, public_url=web_url())
    app.mount("/static", StaticFiles(directory=Path(__file__).parent / "static"), name="static")
    templates = _templates()

    def render(request: Request, name: str, viewer: Viewer | None, status_code: int = 200, **context) -> HTMLResponse:
        lang = _lang(request)
        return templates.TemplateResponse(request, name, {
            "lang": lang, "t": lambda key, **v: words.word(lang, key, **v), "viewer": viewer, "htmx": HTMX,
            "csrf": csrf_token(request.cookies[COOKIE]) if viewer and request.cookies.get(COOKIE) else "",
            "cat": lambda c: words.category_label(lang, c), "lvl": lambda lv: words.level_label(lang, lv),
            "stage": lambda s: stage_text(lang, s), "dead_why": lambda reason: dead_reason_text(lang, reason),
            "per": lambda p: period_words(p, lang) if p else words.word(lang, "all_periods"),
            "labels": LABELS[lang], "four": [c.value for c in REPORT_FOUR], **context}, status_code=status_code)

    @app.exception_handler(NotSignedIn)
    def to_sign_in(request: Request, _exc) -> Response:
        if request.headers.get("HX-Request"):
            return Response(status_code=401, headers={"HX-Redirect": "/signin"})
        return RedirectResponse("/signin", status_code=303)

    @app.exception_handler(NotFound)
    def not_found(request: Request, _exc) -> Response:
        return render(request, "error.html.j2", None, 404, message_key="not_found")

    @app.exception_handler(RequestValidationError)
    def malformed(request: Request, exc: RequestValidationError) -> Response:
        """An address whose id is not a number is a page that does not exist; a form without its
        fields, a request our pages never send. Neither echoes what was sent (FastAPI's default does)."""
        in_path = any(error.get("loc", ("",))[0] == "path" for error in exc.errors())
        return render(request, "error.html.j2", None, 404 if in_path else 400,
                      message_key="not_found" if in_path else "bad_request")

    @app.exception_handler(Forbidden)
    def forbidden(request: Request, _exc) -> Response:
        return render(request, "error.html.j2", None, 403, message_key="forbidden")

    # --- dependencies ------------------------------------------------------------------

    def database() -> Iterator[Session]:
        with Session(engine, expire_on_commit=False) as session:
            yield session

    def signed_in(request: Request, session: Session = Depends(database)) -> Viewer:
        found = session_of(session, request.cookies.get(COOKIE))
        if found is None:
            raise NotSignedIn()
        return viewer_of(session, found)

    def checked(request: Request, csrf: str = Form(""), viewer: Viewer = Depends(signed_in)) -> Viewer:
        """A POST from one of our own pages: its form carries the session's CSRF token."""
        if not csrf_ok(request.cookies.get(COOKIE, ""), csrf):
            raise Forbidden()
        return viewer

    # --- signing in ----------------------------------------------------------------------

    @app.get("/signin", response_class=HTMLResponse)
    def sign_in_help(request: Request):
        return render(request, "signin.html.j2", None)

    @app.get("/login", response_class=HTMLResponse)
    def login_confirm(request: Request, token: str = ""):
        return render(request, "login.html.j2", None, token=_token_chars(token))

    @app.post("/login")
    def login(request: Request, token: str = Form(""), session: Session = Depends(database)):
        try:
            cookie, _ = redeem_login_link(session, token)
        except LoginRefused as exc:
            session.commit()
            return render(request, "login.html.j2", None, 400, token="", refused=str(exc))
        session.commit()
        response = RedirectResponse("/", status_code=303)
        _set_session_cookie(request, response, cookie)
        return response

    # --- webhooks: Zalo and Telegram post each update here when a webhook is set ------------

    @app.post("/hooks/zalo")
    async def zalo_webhook(request: Request):
        secret = os.environ.get("DONDOC_ZALO_WEBHOOK_SECRET", "")
        given = request.headers.get("X-Bot-Api-Secret-Token", "")
        if not same_secret(secret, given) or app.state.zalo is None:
            return Response(status_code=403)
        try:
            update = await request.json()
        except ValueError:
            return Response(status_code=400)
        await app.state.zalo.handle_safely(update)  # a message that cannot be answered is logged, not a 500
        return Response(status_code=200)

    @app.get("/hooks/sms/{token}")
    @app.post("/hooks/sms/{token}")
    async def sms_report(request: Request, token: str):
        """The SMS gateway's delivery report (eSMS calls back with a GET and query parameters):
        the message it matches is marked delivered or not. The address carries a secret."""
        if not same_secret(sms_report_token(), token):
            return Response(status_code=403)
        params = dict(request.query_params)
        if request.method == "POST":
            form = await request.form()
            params |= {k: v for k, v in form.items() if isinstance(v, str)}
        return await _run(lambda: _record_sms_report(params))

    def _record_sms_report(params: dict) -> Response:
        provider_id, row_id, delivered = read_sms_report(params)
        with Session(engine) as session:
            found = outbox_rows.record_report(session, provider_id, row_id, delivered,
                                              {k: v[:80] for k, v in list(params.items())[:20]})
            session.commit()
        return Response(status_code=200 if found else 404)

    @app.post("/hooks/telegram")
    async def telegram_webhook(request: Request):
        if app.state.telegram is None:
            return Response(status_code=404)
        try:
            update = await request.json()
        except ValueError:
            return Response(status_code=400)
        given = request.headers.get("X-Telegram-Bot-Api-Secret-Token", "")
        return Response(status_code=200 if await app.state.telegram(update, given) else 403)

    # --- links in e-mails and text messages: signed, expiring, confirmed before use ----------

    @app.get("/o/{obligation_id}", response_class=HTMLResponse)
    @app.get("/m", response_class=HTMLResponse)
    def signed_confirm(request: Request, l: int = 0, e: int = 0, s: str = "", session: Session = Depends(database)):
        link = _signed_link(session, request.url.path, l, e, s)
        used = link is not None and signed_link_used(session, s)
        ok = link is not None and not used
        return render(request, "signed.html.j2", None, 200 if ok else 400, ok=ok, used=used, l=l, e=e, s=_token_chars(s))

    @app.post("/o/{obligation_id}/fresh", response_class=HTMLResponse)
    @app.post("/m/fresh", response_class=HTMLResponse)
    def fresh_link(request: Request, l: int = Form(0), e: int = Form(0), s: str = Form(""),
                   session: Session = Depends(database)):
        """A used link asks for a new one: sent to the person's own address, never shown here."""
        path = request.url.path.removesuffix("/fresh")
        link = _signed_link(session, path, l, e, s)
        if link is None:
            return render(request, "signed.html.j2", None, 400, ok=False)
        obligation_id = request.path_params.get("obligation_id")
        send_fresh_link(session, link, int(obligation_id) if obligation_id else None, utcnow())
        session.commit()
        return render(request, "signed.html.j2", None, 200, ok=False, fresh=True)

    @app.post("/o/{obligation_id}")
    @app.post("/m")
    def signed_open(request: Request, l: int = Form(0), e: int = Form(0), s: str = Form(""),
                    session: Session = Depends(database)):
        """A person opens the link they were sent: a session for their unit's work."""
        link = _signed_link(session, request.url.path, l, e, s)
        obligation_id = request.path_params.get("obligation_id")
        ob = session.get(Obligation, obligation_id) if obligation_id else None
        if link is None or (obligation_id and (ob is None or ob.unit_id != link.unit_id)):
            return render(request, "signed.html.j2", None, 400, ok=False)
        if signed_link_used(session, s):
            return render(request, "signed.html.j2", None, 400, ok=False, used=True, l=l, e=e, s=_token_chars(s))
        cookie, _ = open_session(session, link.unit_id, link.contact, "assignee", utcnow(), link.channel,
                                 link_signature=s)
        try:
            session.commit()
        except IntegrityError:  # the same link pressed twice at once: the other press signed in
            session.rollback()
            return render(request, "signed.html.j2", None, 400, ok=False, used=True, l=l, e=e, s=_token_chars(s))
        response = RedirectResponse(f"/obligations/{obligation_id}" if obligation_id else "/obligations", 303)
        _set_session_cookie(request, response, cookie)
        return response

    @app.get("/join/{token}", response_class=HTMLResponse)
    def join_confirm(request: Request, token: str):
        return render(request, "join.html.j2", None, token=_token_chars(token))

    @app.post("/join/{token}", response_class=HTMLResponse)
    def join(request: Request, token: str, session: Session = Depends(database)):
        from models.access.people import InvitationError, redeem_address_invitation

        try:
            link = redeem_address_invitation(session, token)
        except InvitationError as exc:
            session.rollback()
            return render(request, "join.html.j2", None, 400, token="", refused=str(exc))
        session.commit()
        return render(request, "join.html.j2", None, token="", joined=link)

    @app.post("/logout")
    def logout(request: Request, viewer: Viewer = Depends(checked), session: Session = Depends(database)):
        end_session(session, request.cookies.get(COOKIE, ""))
        session.commit()
        response = RedirectResponse("/signin", status_code=303)
        response.delete_cookie(COOKIE)
        return response

    @app.get("/lang/{lang}")
    def switch_language(lang: str, back: str = "/"):
        # only a path of this site: "//host" and "/\\host" are other sites to a browser
        local = back.startswith("/") and back[1:2] not in ("/", "\\")
        response = RedirectResponse(back if local else "/", 303)
        response.set_cookie(LANG_COOKIE, "en" if lang == "en" else "vi", samesite="lax", max_age=365 * 86400)
        return response

    # --- pages ---------------------------------------------------------------------------

    @app.get("/", response_class=HTMLResponse)
    def plans(request: Request, period: str = "", viewer: Viewer = Depends(signed_in),
              session: Session = Depends(database)):
        at, periods = utcnow(), dashboard.all_periods(session, viewer)
        period = _known(period, periods)
        problems = outbox_rows.stopped_channels(session) if viewer.role == "coordinator" else []
        return render(request, "plans.html.j2", viewer, cards=dashboard.plan_cards(session, viewer, at, period),
                      periods=periods, period=period, problems=problems,
                      channel_name=words.channel_name)

    @app.get("/plans/{plan_id}", response_class=HTMLResponse)
    def plan_page(request: Request, plan_id: str, period: str = "", viewer: Viewer = Depends(signed_in),
                  session: Session = Depends(database)):
        plan = _visible_plan(session, viewer, plan_id)
        at, lang, periods = utcnow(), _lang(request), dashboard.plan_periods(session, plan_id)
        period = _known(period, periods)
        matrix = dashboard.plan_matrix(session, viewer, plan_id, at, period)
        area_rows = [(a.title, matrix.by_area.get(a.code, Tally((a.code,)))) for a in matrix.areas]
        # one count serves the trend and the outcome lines: by area and period when the plan's
        # areas serve an index, else by period alone (a group fewer on every row)
        by_area = bool(dashboard.areas_serving(session, plan_id)) and not viewer.unit_only
        per_period = rollup(session, "area_period" if by_area else "period", at, plan_id=plan_id,
                            unit_id=viewer.unit_only, flags=False)
        trend = trend_of(per_period, period or None)
        outcomes = dashboard.outcomes(session, plan, at, per_period if by_area else None)
        untracked = len(untracked_tasks(session, plan_id)) if viewer.role == "coordinator" else 0
        return render(request, "plan.html.j2", viewer, plan=plan, period=period, matrix=matrix, untracked=untracked,
                      tally=matrix.total, periods=periods,
                      area_chart=charts.split_bars(area_rows, LABELS[lang]), legend=charts.legend(LABELS[lang]),
                      trend_chart=charts.line([(period_words(p, lang), None if r is None else r * 100)
                                               for p, r in trend], 100, "%"),
                      outcomes=[(o, charts.line([(str(s.year), s.score) for s in o.scores],
                                                max((s.scale or 100) for s in o.scores) if o.scores else 100))
                                for o in outcomes],
                      rate=on_time_rate, percent=words.percent, worst=dashboard.worst_category)

    @app.get("/plans/{plan_id}/areas/{area}", response_class=HTMLResponse)
    def area_page(request: Request, plan_id: str, area: str, period: str = "", viewer: Viewer = Depends(signed_in),
                  session: Session = Depends(database)):
        plan = _visible_plan(session, viewer, plan_id)
        found = session.get(Area, (plan_id, area))
        if found is None and area != "-":  # "-": the tasks of no area
            raise NotFound()
        periods = dashboard.plan_periods(session, plan_id)
        period = _known(period, periods)
        grid = dashboard.area_grid(session, viewer, plan_id, area, utcnow(), period)
        return render(request, "area.html.j2", viewer, plan=plan, area=area, area_title=found.title if found else area,
                      grid=grid, period=period, periods=periods, worst=dashboard.worst_category)

    @app.get("/obligations", response_class=HTMLResponse)
    def obligations(request: Request, viewer: Viewer = Depends(signed_in), session: Session = Depends(database)):
        filters = dashboard.Filters.from_query(request.query_params)
        if filters.plan:
            _visible_plan(session, viewer, filters.plan)
        rows, total = dashboard.obligation_list(session, viewer, filters, utcnow())
        pages = max(1, -(-total // dashboard.PAGE_SIZE))
        return render(request, "obligations.html.j2", viewer, rows=rows, total=total, pages=pages, f=filters,
                      options=dashboard.filter_options(session, viewer, filters.plan))

    @app.get("/obligations/{obligation_id}", response_class=HTMLResponse)
    def obligation(request: Request, obligation_id: int, done: str = "", viewer: Viewer = Depends(signed_in)):
        return obligation_page(request, viewer, obligation_id, acted=bool(done))

    def obligation_page(request: Request, viewer: Viewer, obligation_id: int, acted: bool = False,
                        refused: str | None = None) -> HTMLResponse:
        """The page, with what was just done or why it was refused (said here, never carried
        in the URL: a link could then make the page say anything)."""
        with Session(engine, expire_on_commit=False) as session:
            found = dashboard.obligation_page(session, viewer, obligation_id, utcnow())
            if found is None:
                raise NotFound()
            return render(request, "obligation.html.j2", viewer, 400 if refused else 200, p=found, acted=acted,
                          error=refused, may_decide=viewer.may_decide(found.plan.id),
                          may_report=viewer.role == "assignee" and viewer.unit_id == found.ob.unit_id)

    @app.post("/obligations/{obligation_id}")
    async def act(request: Request, obligation_id: int, viewer: Viewer = Depends(checked)):
        form = {k: str(v) for k, v in (await request.form()).items() if isinstance(v, str)}
        refused = await _run(lambda: _apply(obligation_id, viewer, form))
        return await _after_action(request, viewer, obligation_id, refused)

    async def _after_action(request: Request, viewer: Viewer, obligation_id: int, refused: str | None) -> Response:
        if refused:
            return await _run(lambda: obligation_page(request, viewer, obligation_id, refused=refused))
        return RedirectResponse(f"/obligations/{obligation_id}?done=1", 303)

    def _apply(obligation_id: int, viewer: Viewer, form: dict) -> str | None:
        """Do the form's action in a transaction of its own; the reason it was refused, if it was."""
        with Session(engine) as session:
            if dashboard.visible_obligation(session, viewer, obligation_id) is None:
                raise NotFound()
            ob = lifecycle.load_for_update(session, obligation_id)
            try:
                actions.act(session, viewer, ob, form.get("action", ""), form)
            except actions.Forbidden:
                session.commit()  # the refusal is on the record
                raise Forbidden() from None
            except actions.Refused as exc:
                session.rollback()
                lang = form.get("lang", "vi")
                return words.word(lang, exc.key, **{k: refusal_text(lang, v) if isinstance(v, Exception) else v
                                                    for k, v in exc.values.items()})
            session.commit()
        return None

    @app.post("/obligations/{obligation_id}/evidence")
    async def upload(request: Request, obligation_id: int, viewer: Viewer = Depends(signed_in)):
        """An assignee's file of proof, kept as the bot keeps one (by content, at most 20 MB)."""
        if int(request.headers.get("content-length") or 0) > MAX_EVIDENCE + (64 << 10):
            return render(request, "error.html.j2", viewer, 413, message_key="evidence_size")  # refused unread
        form = await request.form()
        if not csrf_ok(request.cookies.get(COOKIE, ""), str(form.get("csrf", ""))):
            raise Forbidden()
        upload = form.get("file")
        if upload is None or not hasattr(upload, "read"):
            return RedirectResponse(f"/obligations/{obligation_id}", 303)
        content = await upload.read(MAX_EVIDENCE + 1)
        refused = await _run(lambda: _store(obligation_id, viewer, content, upload.filename or "file",
                                             upload.content_type, _lang(request)))
        return await _after_action(request, viewer, obligation_id, refused)

    def _store(obligation_id: int, viewer: Viewer, content: bytes, name: str, mime: str | None,
               lang: str) -> str | None:
        """Keep the file; why it was refused, if it was."""
        from models.access.people import EvidenceRefused, store_evidence

        with Session(engine) as session:
            found = dashboard.visible_obligation(session, viewer, obligation_id)
            if found is None:
                raise NotFound()
            ob, _ = found
            if viewer.role != "assignee" or viewer.unit_id != ob.unit_id:
                raise Forbidden()
            try:
                store_evidence(session, ob, content, name, mime, viewer.actor, app.state.evidence)
            except EvidenceRefused as refused:
                return words.word(lang, refused.key)
            session.commit()
        return None

    @app.get("/evidence/{evidence_id}")
    def evidence(evidence_id: int, viewer: Viewer = Depends(signed_in), session: Session = Depends(database)):
        item = session.get(Evidence, evidence_id)
        if item is None or dashboard.visible_obligation(session, viewer, item.obligation_id) is None:
            raise NotFound()
        path = app.state.evidence / item.sha256[:2] / item.sha256
        if not path.is_file():
            raise NotFound()
        # always a download, typed by its name's extension: a file never renders in our origin
        return FileResponse(path, media_type=EVIDENCE_TYPES.get(Path(item.file_name).suffix.lower(),
                                                                "application/octet-stream"),
                            filename=item.file_name, content_disposition_type="attachment")

    @app.get("/units/{unit_id:path}", response_class=HTMLResponse)
    def unit(request: Request, unit_id: str, viewer: Viewer = Depends(signed_in), session: Session = Depends(database)):
        found = dashboard.unit_page(session, viewer, unit_id, utcnow())
        if found is None:
            raise NotFound()
        return render(request, "unit.html.j2", viewer, u=found, percent=words.percent)

    @app.get("/decisions", response_class=HTMLResponse)
    def decisions(request: Request, done: int = -1, of: int = 0, viewer: Viewer = Depends(signed_in),
                  session: Session = Depends(database)):
        if viewer.role == "assignee":  # an assignee's own requests are on their obligations' pages
            raise Forbidden()
        waiting, blocked = dashboard.decisions(session, viewer, utcnow())
        return render(request, "decisions.html.j2", viewer, waiting=waiting, blocked=blocked, done=done, of=of)

    @app.post("/decisions")
    async def decide_many(request: Request, viewer: Viewer = Depends(checked)):
        form = await request.form()
        ids = [int(i) for i in form.getlist("ob") if is_number(str(i))]
        fields = {"action": str(form.get("action", "")), "note": str(form.get("note", "")), "lang": _lang(request)}
        return await _run(lambda: _decide_many(viewer, ids, fields))

    def _decide_many(viewer: Viewer, ids: list[int], fields: dict) -> Response:
        if fields["action"] not in ("approve", "deny", "postpone", "note"):
            raise Forbidden()
        done = 0
        for obligation_id in ids:  # one transaction each: one refused does not undo the others
            try:
                done += _apply(obligation_id, viewer, fields) is None
            except (NotFound, Forbidden):
                continue
        return RedirectResponse(f"/decisions?done={done}&of={len(ids)}", 303)

    @app.get("/reach", response_class=HTMLResponse)
    def reach(request: Request, viewer: Viewer = Depends(signed_in), session: Session = Depends(database)):
        if viewer.role != "coordinator":  # people's names and dead links: for whoever invites them
            raise Forbidden()
        return render(request, "reach.html.j2", viewer, r=dashboard.reach(session, viewer))

    @app.post("/reach/invite", response_class=HTMLResponse)
    def invite(request: Request, unit_id: str = Form(""), contact: str = Form(""), role: str = Form("assignee"),
               viewer: Viewer = Depends(checked), session: Session = Depends(database)):
        from models.access.people import create_invitation
        from models.store.tables import Unit

        unit = session.get(Unit, unit_id)
        if viewer.role != "coordinator" or unit is None or role not in ("assignee", "head") or not contact.strip():
            raise Forbidden()
        if not any(unit_id.startswith(p.directory_id + "/") for p in dashboard.visible_plans(session, viewer)):
            raise Forbidden()
        token = create_invitation(session, unit_id, contact.strip()[:120], role, actor=viewer.actor)
        session.commit()
        link = f"https://t.me/{app.state.bot}?start={token}" if app.state.bot else None
        return render(request, "reach.html.j2", viewer, r=dashboard.reach(session, viewer), made=dict(
            token=token, link=link, unit=unit.name, contact=contact.strip(), qr=_qr(link or f"/start {token}")))

    # --- bringing a plan in: upload its document, review what the importer was unsure of ----

    def coordinating(viewer: Viewer) -> Viewer:
        if viewer.role != "coordinator":
            raise Forbidden()
        return viewer

    def draft_of(session: Session, draft_id: int):
        from models.store.tables import ImportDraft

        draft = session.get(ImportDraft, draft_id)
        if draft is None:
            raise NotFound()
        return draft

    @app.get("/imports", response_class=HTMLResponse)
    def imports(request: Request, viewer: Viewer = Depends(signed_in), session: Session = Depends(database)):
        from models.store.tables import ImportDraft

        coordinating(viewer)
        drafts = session.exec(select(ImportDraft).order_by(ImportDraft.id.desc()).limit(50)).all()
        return render(request, "imports.html.j2", viewer, drafts=drafts)

    @app.post("/imports")
    async def upload_plan(request: Request, viewer: Viewer = Depends(signed_in)):
        from models.plans.review import MAX_UPLOAD, NotAPlan, new_draft

        coordinating(viewer)
        if int(request.headers.get("content-length") or 0) > MAX_UPLOAD + (64 << 10):
            return render(request, "error.html.j2", viewer, 413, message_key="import_size")
        form = await request.form()
        if not csrf_ok(request.cookies.get(COOKIE, ""), str(form.get("csrf", ""))):
            raise Forbidden()
        upload = form.get("file")
        if upload is None or not hasattr(upload, "read"):
            return RedirectResponse("/imports", 303)
        content = await upload.read(MAX_UPLOAD + 1)

        def keep() -> Response:
            with Session(engine) as session:
                try:
                    draft = new_draft(session, upload.filename or "plan", content, viewer.actor, app.state.evidence,
                                      app.state.directory)
                except NotAPlan as exc:
                    return render(request, "imports.html.j2", viewer, 400, drafts=[], refused=str(exc))
                session.commit()
                return RedirectResponse(f"/imports/{draft.id}", 303)
        return await _run(keep)

    def review_page(request: Request, viewer: Viewer, draft, status: int = 200, problems=()) -> HTMLResponse:
        from models.plans.review import KINDS, PLAN_FIELDS, general_notes, marks

        return render(request, "import.html.j2", viewer, status, d=draft, marks=marks(draft),
                      general=general_notes(draft), kinds=KINDS, plan_fields=PLAN_FIELDS, problems=problems,
                      can_apply=app.state.directory is not None)

    @app.get("/imports/{draft_id}", response_class=HTMLResponse)
    def import_review(request: Request, draft_id: int, viewer: Viewer = Depends(signed_in),
                      session: Session = Depends(database)):
        coordinating(viewer)
        return review_page(request, viewer, draft_of(session, draft_id))

    async def corrected(request: Request, draft_id: int, task_id: str, viewer: Viewer) -> Response:
        """Each field the form sends ("field"/"value" for one cell, or the timing's named fields)."""
        from models.plans.review import FIELDS, PLAN_FIELDS, correct

        coordinating(viewer)
        form = await request.form()
        known = PLAN_FIELDS if task_id == "" else FIELDS
        pairs = [(str(form["field"]), str(form.get("value", "")))] if "field" in form else []
        pairs += [(name, str(form[name])) for name in known if name in form]

        def keep() -> Response:
            with Session(engine) as session:
                draft = draft_of(session, draft_id)
                try:
                    for name, value in pairs:
                        correct(session, draft, task_id, name, value, viewer.actor)
                except ValueError as exc:
                    if "no task" in str(exc) or "not a field" in str(exc):
                        raise NotFound() from None
                    return review_page(request, viewer, draft_of(session, draft_id), 400,
                                       [(task_id or "plan", str(exc))])
                session.commit()
            return RedirectResponse(f"/imports/{draft_id}#task-{quote(task_id)}" if task_id
                                    else f"/imports/{draft_id}", 303)
        return await _run(keep)

    @app.post("/imports/{draft_id}/tasks/{task_id}")
    async def import_correct(request: Request, draft_id: int, task_id: str, viewer: Viewer = Depends(checked)):
        return await corrected(request, draft_id, task_id, viewer)

    @app.post("/imports/{draft_id}/plan")
    async def import_correct_plan(request: Request, draft_id: int, viewer: Viewer = Depends(checked)):
        return await corrected(request, draft_id, "", viewer)

    @app.post("/imports/{draft_id}/apply")
    def import_apply(request: Request, draft_id: int, viewer: Viewer = Depends(checked),
                     session: Session = Depends(database)):
        """The reviewed draft validated against the directory and applied, or every problem shown
        beside the draft (nothing applied)."""
        from models.engine.apply import apply_plan_text
        from models.plans.review import draft_yaml

        coordinating(viewer)
        draft = draft_of(session, draft_id)
        if app.state.directory is None:
            return review_page(request, viewer, draft, 409, [("plan", words.word(_lang(request), "import_no_org"))])
        try:
            apply_plan_text(engine, draft_yaml(draft), app.state.directory, f"web:{viewer.actor}")
        except InputError as exc:
            return review_page(request, viewer, draft, 400, [(p.field or "plan", p.message) for p in exc.problems])
        return RedirectResponse(f"/plans/{quote(draft.plan['plan']['id'])}", 303)

    # --- tasks whose timing sets no schedule: an admin's decision ----------------------------

    def timing_page(request: Request, viewer: Viewer, session: Session, plan: Plan, status: int = 200,
                    error: str = "") -> HTMLResponse:
        from models.engine.decisions import decisions
        from models.engine.opening import untracked_tasks
        from models.plans.timing import KINDS_WITH_A_SCHEDULE

        waiting = set(untracked_tasks(session, plan.id))
        decided = decisions(session, plan.id)
        tasks = [t for t in session.exec(select(Task).where(Task.plan_id == plan.id, Task.active))
                 if t.code in waiting or t.code in decided]
        others = [p for p in dashboard.visible_plans(session, viewer) if p.id != plan.id]
        return render(request, "timing.html.j2", viewer, status, plan=plan,
                      tasks=sorted(tasks, key=lambda t: code_key(t.code)),
                      waiting=waiting, decided=decided, others=others, kinds=KINDS_WITH_A_SCHEDULE, error=error)

    @app.get("/plans/{plan_id}/timing", response_class=HTMLResponse)
    def timing_decisions(request: Request, plan_id: str, viewer: Viewer = Depends(signed_in),
                         session: Session = Depends(database)):
        coordinating(viewer)
        return timing_page(request, viewer, session, _visible_plan(session, viewer, plan_id))

    @app.post("/plans/{plan_id}/timing/{code}")
    def decide_timing(request: Request, plan_id: str, code: str, kind: str = Form(""), date: str = Form(""),
                      due: str = Form(""), start: str = Form(""), end: str = Form(""), linked_plan: str = Form(""),
                      viewer: Viewer = Depends(checked), session: Session = Depends(database)):
        from models.engine.decisions import DecisionError, decide

        coordinating(viewer)
        plan = _visible_plan(session, viewer, plan_id)
        if linked_plan and not viewer.sees_plan(linked_plan):
            raise NotFound()
        timing = None if linked_plan else {"kind": kind, "date": date, "due": due, "start": start, "end": end}
        try:
            decide(session, plan_id, code, f"web:{viewer.actor}", timing, linked_plan or None)
        except DecisionError as exc:
            session.rollback()
            return timing_page(request, viewer, session, plan, 400, f"{code}: {exc}")
        session.commit()
        return RedirectResponse(f"/plans/{quote(plan_id)}/timing#task-{quote(code)}", 303)

    @app.get("/imports/{draft_id}/plan.yaml")
    def import_yaml(draft_id: int, viewer: Viewer = Depends(signed_in), session: Session = Depends(database)):
        from models.plans.review import draft_yaml

        coordinating(viewer)
        draft = draft_of(session, draft_id)
        name = quote(f"{draft.plan['plan'].get('id') or 'plan'}.yaml")
        return Response(draft_yaml(draft), media_type="application/yaml; charset=utf-8",
                        headers={"Content-Disposition": f"attachment; filename*=UTF-8''{name}"})

    def export_page(request: Request, viewer: Viewer, session: Session, job: ReportExport | None,
                    plan: Plan, **context) -> HTMLResponse:
        """A report file's page (or, polled by htmx, its status alone); without a job, the page to ask for one."""
        polled = job is not None and request.headers.get("HX-Target") == "export-status"
        if job is not None:
            if job.state in exports.UNFINISHED:
                app.state.exports.wake()
            seconds, ahead, size = exports.progress(session, job)
            context |= {"seconds": seconds, "ahead": ahead, "size": words.file_size(size, _lang(request)) if size else ""}
        if not polled:
            context["recent"] = exports.recent(session, viewer.unit_id, viewer.contact)
        return render(request, "_export_status.html.j2" if polled else "export.html.j2", viewer, job=job, plan=plan,
                      **context)

    @app.get("/export.{fmt}", response_class=HTMLResponse)
    def ask_export(request: Request, fmt: str, viewer: Viewer = Depends(signed_in),
                   session: Session = Depends(database)):
        """An export's address (bookmarked, or linked by an earlier version): the page to ask for it."""
        filters = dashboard.Filters.from_query(request.query_params)
        if fmt not in EXPORTS or not filters.plan:
            raise NotFound()
        plan = _visible_plan(session, viewer, filters.plan)
        return export_page(request, viewer, session, None, plan, fmt=fmt, query=filters.query())

    @app.post("/exports")
    def start_export(fmt: str = Form(""), query: str = Form(""), viewer: Viewer = Depends(checked),
                     session: Session = Depends(database)):
        filters = dashboard.Filters.from_query(dict(parse_qsl(query[:20_000])))
        if fmt not in EXPORTS or not filters.plan:
            raise NotFound()
        _visible_plan(session, viewer, filters.plan)
        job = exports.request_export(session, viewer.session_id, filters.plan, filters.query(), fmt)
        session.commit()
        app.state.exports.wake()
        return RedirectResponse(f"/exports/{job.id}", 303)

    @app.get("/exports/{export_id}", response_class=HTMLResponse)
    def export_status(request: Request, export_id: int, viewer: Viewer = Depends(signed_in),
                      session: Session = Depends(database)):
        job = _export(session, viewer, export_id)
        return export_page(request, viewer, session, job, _visible_plan(session, viewer, job.plan_id))

    @app.get("/exports/{export_id}/file")
    def export_file(export_id: int, viewer: Viewer = Depends(signed_in), session: Session = Depends(database)):
        job = _export(session, viewer, export_id)
        _visible_plan(session, viewer, job.plan_id)
        if job.state != "done":
            raise NotFound()
        return Response(job.content, media_type=EXPORTS[job.fmt],
                        headers={"Content-Disposition": f'attachment; filename="{job.file_name}"'})

    return app


def _set_session_cookie(request: Request, response: Response, cookie: str) -> None:
    response.set_cookie(COOKIE, cookie, httponly=True, samesite="lax", secure=request.url.scheme == "https",
                        max_age=int(SESSION_LIFETIME.total_seconds()))


def _signed_link(session: Session, path: str, link_id: int, expires: int, signature: str) -> ChatLink | None:
    """The live link a signed address was made for, if the signature holds and has not expired."""
    if not signature_ok(path, link_id, expires, signature, utcnow()):
        return None
    link = session.get(ChatLink, link_id)
    return link if link is not None and link.active else None


def _export(session: Session, viewer: Viewer, export_id: int) -> ReportExport:
    """A report file this person asked for (in this sign-in or an earlier one), else not found."""
    job = exports.export_of(session, viewer.unit_id, viewer.contact, export_id)
    if job is None:
        raise NotFound()
    return job


def _known(period: str, periods: list[str]) -> str:
    """A period from the address, if it is one of those tracked; else every period (the value is
    neither counted nor written back into the page's links)."""
    return period if period in periods else ""


def _visible_plan(session: Session, viewer: Viewer, plan_id: str) -> Plan:
    plan = session.get(Plan, plan_id)
    if plan is None or not viewer.sees_plan(plan_id):
        raise NotFound()
    return plan


async def _run(work):
    from starlette.concurrency import run_in_threadpool
    return await run_in_threadpool(work)


def _qr(text: str) -> str:
    import segno
    return Markup(segno.make(text, error="m").svg_inline(scale=4))  # drawn from the QR's bits: no text of ours


def _token_chars(value: str) -> str:
    """A token or signature put back into a form: only the characters ours are made of (they
    are URL-safe base64 or hex), so nothing else from the address is echoed into the page."""
    return re.sub(r"[^A-Za-z0-9_-]", "", value)[:80]


def _lang(request: Request) -> str:
    return "en" if request.cookies.get(LANG_COOKIE) == "en" else "vi"


def _templates() -> Jinja2Templates:
    # Every value is escaped, whatever a template's name: Starlette's default escapes only
    # files named *.html, and ours are *.html.j2. A piece of markup we build ourselves (a
    # chart, a QR code) is a markupsafe.Markup made from escaped parts.
    loader = FileSystemLoader(ROOT / "templates" / "web")
    templates = Jinja2Templates(env=Environment(loader=loader, autoescape=True))
    templates.env.globals.update(day=words.day, day_time=words.day_time, WORDS_KEYS=set(words.words("vi")),
                                 channel_name=words.channel_name)
    return templates

