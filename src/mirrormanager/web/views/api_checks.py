"""`POST /api/v1/hosts/{id}/check` and `GET /api/v1/hosts/{id}/checks`: "Check now" for
scripts. Routes on the API blueprint (token authentication, no CSRF); see `web.checks`."""

from __future__ import annotations

from typing import Any

from flask import url_for

from mirrormanager.db.models import JobRun
from mirrormanager.web import checks
from mirrormanager.web.permissions import db, host_for, login_required
from mirrormanager.web.views.api import bp
from mirrormanager.web.views.host_checks import start_check


def job_json(job: JobRun) -> dict[str, Any]:
    summary = dict(job.summary or {})
    return {
        "id": job.id,
        "status": job.status,
        "queued_at": job.started_at.isoformat(),
        "finished_at": job.finished_at.isoformat() if job.finished_at else None,
        "requested_by": summary.get("requested_by"),
        "result": summary.get("status"),
        "reason": summary.get("reason") or job.error,
        "stale_dirs": summary.get("stale"),
        "reenabled": summary.get("reenabled", False),
        "disabled": summary.get("disabled", False),
        "urls": summary.get("urls", []),
    }


@bp.post("/hosts/<int:host_id>/check")
@login_required
def check_host(host_id: int) -> Any:
    host = host_for(host_id)
    try:
        job_id = start_check(host.id)
    except checks.CheckRefused as exc:
        return {"error": "Too Many Requests", "detail": str(exc)}, 429
    job = db().get(JobRun, job_id)
    assert job is not None
    body = job_json(job)
    body["poll"] = url_for("api.host_checks", host_id=host.id)
    return body, 202


@bp.get("/hosts/<int:host_id>/checks")
@login_required
def host_checks(host_id: int) -> Any:
    host = host_for(host_id)
    return {"checks": [job_json(job) for job in checks.recent(db(), host.id)]}
