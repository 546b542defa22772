"""The acknowledgement link e-mailed to practitioners: `/ack/<signed token>`.

GET shows a confirmation button and changes nothing (mail scanners follow links); POST acknowledges.
The token is the only credential Permanence accepts in a URL: it names one message and one delivery
attempt, expires, and carries no health data. Pages show no health data either.
"""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import HTMLResponse

from app.calls import messages, notify
from app.core.db import SessionDep
from app.core.errors import NotFound

router = APIRouter(tags=["calls"], include_in_schema=False)
HEADERS = {"Cache-Control": "no-store", "X-Robots-Tag": "noindex"}  # RequestGuard adds no-referrer
PAGE = """<!doctype html><html lang="fr"><head><meta charset="utf-8"><title>Permanence</title>
<meta name="viewport" content="width=device-width"></head>
<body><main><h1>Permanence</h1>{}</main></body></html>"""
INVALID = "<p>Ce lien est invalide ou a expiré. Consultez vos messages dans la console.</p>"


def _page(inner: str, status: int = 200) -> HTMLResponse:
    return HTMLResponse(PAGE.format(inner), status_code=status, headers=HEADERS)


@router.get("/ack/{token}", response_class=HTMLResponse)
def confirm_page(token: str) -> HTMLResponse:
    if notify.read_ack_token(token) is None:
        return _page(INVALID, 404)
    return _page('<form method="post"><button type="submit">Accuser réception du message</button></form>')


@router.post("/ack/{token}", response_class=HTMLResponse)
def acknowledge(token: str, session: SessionDep) -> HTMLResponse:
    try:
        messages.acknowledge_by_link(session, token)
    except NotFound:
        return _page(INVALID, 404)
    return _page("<p>Accusé de réception enregistré. Merci.</p>")
