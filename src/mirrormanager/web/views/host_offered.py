""" "Would this host be offered?": the mirrorlist's own selection for one client and one
request, and this host's verdict in it (`mirrorlist.explain_request`, `core.explain`).

The answer comes from the published snapshot, as the mirrorlist workers see it, so a
change made a minute ago shows only after the next snapshot.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, render_template, request

from mirrormanager.core.explain import HostVerdict
from mirrormanager.errors import MirrorManagerError
from mirrormanager.mirrorlist.explain_request import ExplainRequest, explain_request
from mirrormanager.web.forms import OfferedForm
from mirrormanager.web.helpers import app_settings
from mirrormanager.web.permissions import host_for, login_required

bp = Blueprint("host_offered", __name__)


@bp.get("/hosts/<int:host_id>/offered")
@login_required
def offered(host_id: int) -> Any:
    host = host_for(host_id)
    form = OfferedForm(request.args)
    verdict: HostVerdict | None = None
    explanation = None
    problem = ""
    asked = any(request.args.get(k) for k in ("repo", "path"))
    if asked and form.validate():
        try:
            explanation = explain_request(
                app_settings(),
                ExplainRequest(
                    repo=form.repo.data or None,
                    arch=form.arch.data or None,
                    path=form.path.data or None,
                    address=form.ip.data or None,
                    country=form.country.data or None,
                    metalink=bool(form.metalink.data),
                ),
            )
        except MirrorManagerError as exc:
            problem = str(exc).replace("--repo and --arch", "a repository and an architecture")
            problem = problem.replace("--path", "a path").replace("--ip", "the address")
        else:
            verdict = next((v for v in explanation.hosts if v.host_id == host.id), None)
    return render_template(
        "hosts/offered.html",
        host=host,
        f=form,
        asked=asked,
        verdict=verdict,
        explanation=explanation,
        problem=problem,
    )
