"""Administration pages (admins only; an advisor gets 403): advisors, quick answers and the
approved templates. Also the quick answers the composer offers to any signed-in advisor.

Passwords typed here go straight to the advisors service (argon2): they are never put in a
redirect, a page, the audit trail or a log."""

from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Form, HTTPException, Query, Request, status
from fastapi.responses import HTMLResponse, JSONResponse, Response
from pydantic import ValidationError

from platform_api import authorization
from platform_api.advisors import service as advisors
from platform_api.advisors.models import AREAS, ROLE_ADMIN, Advisor
from platform_api.advisors.schemas import AdvisorCreate, AdvisorUpdate
from platform_api.auth import Principal
from platform_api.database import SessionDep
from platform_api.graph.templates import approved_templates
from platform_api.inbox import texts
from platform_api.inbox.dependencies import AdminOnlyPageError, PrincipalDep
from platform_api.inbox.render import see_other, templates
from platform_api.quick_answers import service as quick_answers
from platform_api.quick_answers.models import QuickAnswer
from platform_api.quick_answers.schemas import QuickAnswerRead, QuickAnswerWrite
from platform_api.validation import DbId

router = APIRouter(include_in_schema=False)

ADVISORS_PAGE = "/admin/advisors"
QUICK_ANSWERS_PAGE = "/admin/quick-answers"
ShortText = Annotated[str, Form(max_length=300)]
# No max_length here: FastAPI's 422 would echo the typed password back; the advisors schema
# checks the length and the page says what is wrong without it (the body limit caps size).
Password = Annotated[str, Form()]


def admin(principal: Principal) -> Principal:
    """The policy's admin check; its 403 answered as a page rather than JSON."""
    try:
        authorization.admin_only(principal)
    except HTTPException as refused:
        raise AdminOnlyPageError(principal) from refused
    return principal


def back(page: str, *, notice: str = "", error: str = "") -> Response:
    params = {k: v for k, v in (("aviso", notice), ("error", error)) if v}
    return see_other(f"{page}?{urlencode(params)}" if params else page)


def field_errors(error: ValidationError, messages: dict[str, str], fallback: str) -> list[str]:
    """The Spanish message of each field the form got wrong (pydantic's are English)."""
    fields = dict.fromkeys(str(e["loc"][0]) for e in error.errors() if e["loc"])
    return [messages[f] for f in fields if f in messages] or [fallback]


# ---- advisors -----------------------------------------------------------------------------


def advisors_page(
    request: Request,
    session: SessionDep,
    principal: Principal,
    *,
    notice: str = "",
    errors: list[str] | None = None,
    form: dict[str, str] | None = None,
    status_code: int = status.HTTP_200_OK,
) -> Response:
    rows, _ = advisors.list_advisors(session, limit=1000)
    context = {
        "principal": principal,
        "advisors": rows,
        "areas": AREAS,
        "roles": texts.ROLE_LABELS,
        "notice": notice,
        "errors": errors or [],
        "form": form or {"area": AREAS[0], "role": "advisor"},
        "section": "advisors",
    }
    return templates.TemplateResponse(
        request, "admin_advisors.html", context, status_code=status_code
    )


@router.get(ADVISORS_PAGE, response_class=HTMLResponse)
def advisor_list(
    request: Request,
    session: SessionDep,
    principal: PrincipalDep,
    aviso: Annotated[str, Query(max_length=300)] = "",
    error: Annotated[str, Query(max_length=300)] = "",
) -> Response:
    admin(principal)
    return advisors_page(request, session, principal, notice=aviso, errors=[error] if error else [])


@router.post(ADVISORS_PAGE, response_class=HTMLResponse)
def create_advisor(
    request: Request,
    session: SessionDep,
    principal: PrincipalDep,
    name: ShortText,
    email: ShortText,
    area: ShortText,
    role: ShortText,
    password: Password,
) -> Response:
    admin(principal)
    form = {"name": name, "email": email, "area": area, "role": role}  # never the password

    def refused(errors: list[str]) -> Response:
        return advisors_page(
            request,
            session,
            principal,
            errors=errors,
            form=form,
            status_code=status.HTTP_422_UNPROCESSABLE_CONTENT,
        )

    try:
        data = AdvisorCreate(
            name=name.strip(), email=email.strip(), area=area, role=role, password=password
        )
    except ValidationError as error:
        return refused(field_errors(error, texts.ADVISOR_FIELD_ERRORS, texts.ADVISOR_INVALID))
    if not data.email or not data.password:
        return refused([texts.ADVISOR_FIELD_ERRORS["email" if not data.email else "password"]])
    try:
        advisor = advisors.create(session, data, actor=principal.actor)
    except advisors.DuplicateEmailError:
        return refused([texts.EMAIL_TAKEN.format(email=data.email)])
    session.commit()
    return back(ADVISORS_PAGE, notice=texts.ADVISOR_CREATED.format(name=advisor.name))


def advisor_to_manage(session: SessionDep, principal: Principal, advisor_id: int) -> Advisor:
    admin(principal)
    return authorization.found(advisors.get(session, advisor_id), "Asesor no encontrado")


def apply_update(
    session: SessionDep, principal: Principal, advisor: Advisor, **changes: Any
) -> str | None:
    """Saves the changes through the advisors service (audit row; a new password or a
    deactivation ends the advisor's sessions); returns what was wrong, if anything."""
    try:
        data = AdvisorUpdate(**changes)
    except ValidationError as error:
        return " ".join(field_errors(error, texts.ADVISOR_FIELD_ERRORS, texts.ADVISOR_INVALID))
    advisors.update(session, advisor, data, actor=principal.actor)
    session.commit()
    return None


@router.post(ADVISORS_PAGE + "/{advisor_id}/area-role")
def change_area_and_role(
    advisor_id: DbId,
    session: SessionDep,
    principal: PrincipalDep,
    area: ShortText,
    role: ShortText,
) -> Response:
    advisor = advisor_to_manage(session, principal, advisor_id)
    if advisor.id == principal.advisor_id and role != ROLE_ADMIN:
        return back(ADVISORS_PAGE, error=texts.NOT_YOURSELF)
    changes = {k: v for k, v in (("area", area), ("role", role)) if getattr(advisor, k) != v}
    if not changes:
        return back(ADVISORS_PAGE, notice=texts.ADVISOR_UNCHANGED.format(name=advisor.name))
    if error := apply_update(session, principal, advisor, **changes):
        return back(ADVISORS_PAGE, error=error)
    return back(ADVISORS_PAGE, notice=texts.ADVISOR_UPDATED.format(name=advisor.name))


@router.post(ADVISORS_PAGE + "/{advisor_id}/deactivate")
def deactivate_advisor(advisor_id: DbId, session: SessionDep, principal: PrincipalDep) -> Response:
    advisor = advisor_to_manage(session, principal, advisor_id)
    if advisor.id == principal.advisor_id:
        return back(ADVISORS_PAGE, error=texts.NOT_YOURSELF)
    if advisor.is_active:
        apply_update(session, principal, advisor, is_active=False)
    return back(ADVISORS_PAGE, notice=texts.ADVISOR_DEACTIVATED.format(name=advisor.name))


@router.post(ADVISORS_PAGE + "/{advisor_id}/activate")
def reactivate_advisor(advisor_id: DbId, session: SessionDep, principal: PrincipalDep) -> Response:
    advisor = advisor_to_manage(session, principal, advisor_id)
    if not advisor.is_active:
        apply_update(session, principal, advisor, is_active=True)
    return back(ADVISORS_PAGE, notice=texts.ADVISOR_REACTIVATED.format(name=advisor.name))


@router.post(ADVISORS_PAGE + "/{advisor_id}/password")
def reset_password(
    advisor_id: DbId, session: SessionDep, principal: PrincipalDep, password: Password
) -> Response:
    """A new password ends every session of that advisor (the advisors service does it)."""
    advisor = advisor_to_manage(session, principal, advisor_id)
    if error := apply_update(session, principal, advisor, password=password):
        return back(ADVISORS_PAGE, error=error)
    return back(ADVISORS_PAGE, notice=texts.PASSWORD_RESET.format(name=advisor.name))


# ---- quick answers ------------------------------------------------------------------------


def quick_answers_page(
    request: Request,
    session: SessionDep,
    principal: Principal,
    *,
    template: str = "admin_quick_answers.html",
    notice: str = "",
    errors: list[str] | None = None,
    form: dict[str, str] | None = None,
    answer: QuickAnswer | None = None,
    status_code: int = status.HTTP_200_OK,
) -> Response:
    context = {
        "principal": principal,
        "answers": quick_answers.list_all(session),
        "answer": answer,
        "areas": AREAS,
        "notice": notice,
        "errors": errors or [],
        "form": form or {},
        "section": "quick_answers",
    }
    return templates.TemplateResponse(request, template, context, status_code=status_code)


def read_quick_answer(shortcut: str, title: str, text: str, area: str) -> QuickAnswerWrite:
    return QuickAnswerWrite(shortcut=shortcut, title=title, text=text, area=area or None)


@router.get(QUICK_ANSWERS_PAGE, response_class=HTMLResponse)
def quick_answer_list(
    request: Request,
    session: SessionDep,
    principal: PrincipalDep,
    aviso: Annotated[str, Query(max_length=300)] = "",
    error: Annotated[str, Query(max_length=300)] = "",
) -> Response:
    admin(principal)
    return quick_answers_page(
        request, session, principal, notice=aviso, errors=[error] if error else []
    )


@router.post(QUICK_ANSWERS_PAGE, response_class=HTMLResponse)
def create_quick_answer(
    request: Request,
    session: SessionDep,
    principal: PrincipalDep,
    shortcut: ShortText,
    title: ShortText,
    text: Annotated[str, Form(max_length=5000)],
    area: ShortText = "",
) -> Response:
    admin(principal)
    form = {"shortcut": shortcut, "title": title, "text": text, "area": area}

    def refused(errors: list[str]) -> Response:
        return quick_answers_page(
            request,
            session,
            principal,
            errors=errors,
            form=form,
            status_code=status.HTTP_422_UNPROCESSABLE_CONTENT,
        )

    try:
        data = read_quick_answer(shortcut, title, text, area)
    except ValidationError as error:
        errors = field_errors(error, texts.QUICK_ANSWER_FIELD_ERRORS, texts.QUICK_ANSWER_INVALID)
        return refused(errors)
    try:
        answer = quick_answers.create(
            session, data, created_by=principal.advisor_id, actor=principal.actor
        )
    except quick_answers.ShortcutTakenError:
        return refused([texts.SHORTCUT_TAKEN.format(shortcut=data.shortcut)])
    session.commit()
    return back(
        QUICK_ANSWERS_PAGE, notice=texts.QUICK_ANSWER_CREATED.format(shortcut=answer.shortcut)
    )


def quick_answer_to_manage(
    session: SessionDep, principal: Principal, answer_id: int
) -> QuickAnswer:
    admin(principal)
    return authorization.found(
        quick_answers.get(session, answer_id), "Respuesta rápida no encontrada"
    )


@router.get(QUICK_ANSWERS_PAGE + "/{answer_id}", response_class=HTMLResponse)
def quick_answer_edit_page(
    request: Request, answer_id: DbId, session: SessionDep, principal: PrincipalDep
) -> Response:
    answer = quick_answer_to_manage(session, principal, answer_id)
    form = {
        "shortcut": answer.shortcut,
        "title": answer.title,
        "text": answer.text,
        "area": answer.area or "",
    }
    return quick_answers_page(
        request, session, principal, template="admin_quick_answer.html", form=form, answer=answer
    )


@router.post(QUICK_ANSWERS_PAGE + "/{answer_id}", response_class=HTMLResponse)
def save_quick_answer(
    request: Request,
    answer_id: DbId,
    session: SessionDep,
    principal: PrincipalDep,
    shortcut: ShortText,
    title: ShortText,
    text: Annotated[str, Form(max_length=5000)],
    area: ShortText = "",
) -> Response:
    answer = quick_answer_to_manage(session, principal, answer_id)
    form = {"shortcut": shortcut, "title": title, "text": text, "area": area}

    def refused(errors: list[str]) -> Response:
        return quick_answers_page(
            request,
            session,
            principal,
            template="admin_quick_answer.html",
            errors=errors,
            form=form,
            answer=answer,
            status_code=status.HTTP_422_UNPROCESSABLE_CONTENT,
        )

    try:
        data = read_quick_answer(shortcut, title, text, area)
    except ValidationError as error:
        errors = field_errors(error, texts.QUICK_ANSWER_FIELD_ERRORS, texts.QUICK_ANSWER_INVALID)
        return refused(errors)
    try:
        quick_answers.update(session, answer, data, actor=principal.actor)
    except quick_answers.ShortcutTakenError:
        return refused([texts.SHORTCUT_TAKEN.format(shortcut=data.shortcut)])
    session.commit()
    return back(
        QUICK_ANSWERS_PAGE, notice=texts.QUICK_ANSWER_SAVED.format(shortcut=answer.shortcut)
    )


@router.post(QUICK_ANSWERS_PAGE + "/{answer_id}/deactivate")
def deactivate_quick_answer(
    answer_id: DbId, session: SessionDep, principal: PrincipalDep
) -> Response:
    answer = quick_answer_to_manage(session, principal, answer_id)
    quick_answers.set_active(session, answer, False, actor=principal.actor)
    session.commit()
    notice = texts.QUICK_ANSWER_DEACTIVATED.format(shortcut=answer.shortcut)
    return back(QUICK_ANSWERS_PAGE, notice=notice)


@router.post(QUICK_ANSWERS_PAGE + "/{answer_id}/activate")
def reactivate_quick_answer(
    answer_id: DbId, session: SessionDep, principal: PrincipalDep
) -> Response:
    answer = quick_answer_to_manage(session, principal, answer_id)
    quick_answers.set_active(session, answer, True, actor=principal.actor)
    session.commit()
    notice = texts.QUICK_ANSWER_REACTIVATED.format(shortcut=answer.shortcut)
    return back(QUICK_ANSWERS_PAGE, notice=notice)


@router.get("/quick-answers")
def quick_answer_suggestions(
    session: SessionDep,
    principal: PrincipalDep,
    q: Annotated[str, Query(max_length=40)] = "",
) -> JSONResponse:
    """For the composer ("/" and a word): the matching answers this advisor may insert."""
    rows = quick_answers.suggestions(session, principal, q)
    items = [QuickAnswerRead.model_validate(row).model_dump() for row in rows]
    return JSONResponse({"items": items})


# ---- templates ----------------------------------------------------------------------------


@router.get("/admin/templates", response_class=HTMLResponse)
def template_list(request: Request, principal: PrincipalDep) -> Response:
    admin(principal)
    context = {"principal": principal, "templates": approved_templates(), "section": "templates"}
    return templates.TemplateResponse(request, "admin_templates.html", context)
