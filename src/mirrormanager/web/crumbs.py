"""Breadcrumbs of the edit and confirm pages, found from the URL's ids.

Edit and delete pages are generic templates (`form_page.html`, `confirm.html`); rather than
have every view pass its trail, the template asks for the trail of the current request:
Sites > site > host > what this page does. Objects are loaded through the same permission
checks as the views, which have run already, so nothing is shown the viewer may not see.
"""

from __future__ import annotations

from flask import request, url_for

from mirrormanager.db.models import Host, HostCategoryUrl, Site
from mirrormanager.web.permissions import get_or_404, host_category_for, host_for, site_for

Crumb = tuple[str, str | None]

# The last crumb of each page: what the page does.
_ACTIONS = {
    "sites.edit": "Edit",
    "sites.delete": "Delete",
    "sites.remove_admin": "Remove an administrator",
    "hosts.new_host": "New host",
    "hosts.edit": "Edit",
    "hosts.delete": "Delete",
    "host_items.add_item": "Add",
    "host_items.delete_item": "Remove",
    "host_items.add_category": "Carry a category",
    "host_items.edit_category": "Edit a category carried",
    "host_items.delete_category": "Remove a category",
    "host_items.add_url": "Add a URL",
    "host_items.delete_url": "Remove a URL",
    "admin.switch_host": "Enable or disable (admins)",
}


def _site_trail(site: Site) -> list[Crumb]:
    return [
        ("Sites", url_for("sites.my_sites")),
        (site.name, url_for("sites.show", site_id=site.id)),
    ]


def _host_trail(host: Host) -> list[Crumb]:
    return [*_site_trail(host.site), (host.name, url_for("hosts.show", host_id=host.id))]


def for_request() -> list[Crumb]:
    """The trail of the current page; [] where there is none to show."""
    endpoint = request.endpoint or ""
    action = _ACTIONS.get(endpoint)
    args = request.view_args or {}
    if action is None:
        return []
    trail: list[Crumb]
    if "host_id" in args:
        trail = _host_trail(host_for(int(args["host_id"])))
    elif "hc_id" in args:
        trail = _host_trail(host_category_for(int(args["hc_id"])).host)
    elif "url_id" in args:
        url = get_or_404(HostCategoryUrl, int(args["url_id"]))
        trail = _host_trail(host_category_for(url.host_category_id).host)
    elif "site_id" in args:
        trail = _site_trail(site_for(int(args["site_id"])))
    else:
        return []
    return [*trail, (action, None)]
