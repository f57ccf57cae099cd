"""The two shapes of a view that changes data through a `manage` service: a form that saves,
and an action confirmed on a page of its own. The view says what to call and what to say;
the commit, the flash and the redirect afterwards are the same everywhere."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from flask import flash, redirect, render_template, request
from werkzeug.wrappers import Response

from mirrormanager.errors import ManageError
from mirrormanager.web.forms import BaseForm
from mirrormanager.web.helpers import confirm_page, refused_on_form
from mirrormanager.web.permissions import db


@dataclass(frozen=True)
class Done:
    """What the user is told once the service has done it, and the page shown next."""

    message: str
    url: str


def _finish(done: Done) -> Response:
    db().commit()
    flash(done.message, "success")
    return redirect(done.url)


def form_page(
    form: BaseForm,
    save: Callable[[], Done],
    *,
    aliases: dict[str, str] | None = None,
    **page: Any,
) -> Any:
    """`form_page.html` with `form` (and `page`: title, cancel_url, submit, intro) until it
    validates; then `save` calls the service. A refusal goes next to its field (`aliases`
    maps the service's field names to the form's) and the form is shown again."""
    if form.validate_on_submit():
        try:
            done = save()
        except ManageError as exc:
            refused_on_form(form, exc, aliases)
        else:
            return _finish(done)
    return render_template("form_page.html", f=form, **page)


def confirmed(
    question: str,
    cancel_url: str,
    act: Callable[[], Done],
    *,
    action_label: str = "Delete",
    also: Callable[[], Sequence[str]] | None = None,
) -> Any:
    """GET asks `question` (with what goes along, `also`, looked up only then); the POST
    from that page runs `act`. A refusal of the service reaches the app's error page."""
    if request.method == "GET":
        return confirm_page(
            question, cancel_url, action_label=action_label, also=also() if also else ()
        )
    return _finish(act())
