""" "Check now" on the host page, and the host's last crawl logs (see `web.checks`)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, current_app, flash, redirect, render_template, url_for

from mirrormanager.crawler.hostlog import read_crawl_log
from mirrormanager.web import checks
from mirrormanager.web.helpers import app_settings
from mirrormanager.web.permissions import current_user, db, host_for, login_required

bp = Blueprint("host_checks", __name__)


def start_check(host_id: int) -> int:
    """Queue and start a check of a host the caller manages; returns the job id.

    Raises CheckRefused (one at a time, rate limit); commits the queued job first so the
    runner's own session sees it.
    """
    host = host_for(host_id)
    user = current_user()
    settings = app_settings()
    job = checks.request_check(db(), settings, host, user.username if user else "?")
    job_id = job.id
    db().commit()
    current_app.extensions["mm_check_runner"](job_id, host.id)
    return job_id


@bp.post("/hosts/<int:host_id>/check")
@login_required
def check_now(host_id: int) -> Any:
    host = host_for(host_id)
    try:
        start_check(host.id)
    except checks.CheckRefused as exc:
        flash(str(exc), "warning")
    else:
        flash(
            f"Check of {host.name} started; this page shows the result when it is done.", "success"
        )
    return redirect(url_for("hosts.show", host_id=host.id, _anchor="check"))


@bp.get("/hosts/<int:host_id>/crawl-logs/<int:generation>")
@login_required
def crawl_log(host_id: int, generation: int) -> str:
    """One of the host's last crawl logs: 0 is the newest."""
    host = host_for(host_id)
    if not 0 <= generation < checks.RECENT:
        abort(404)
    text = read_crawl_log(app_settings(), host.id, generation=generation)
    return render_template(
        "hosts/crawl_log.html", host=host, generation=generation, text=text, keep=checks.RECENT
    )
