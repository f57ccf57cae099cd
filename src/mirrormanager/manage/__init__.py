"""The one service layer for changing the mirror network.

Sites, hosts, categories carried, URLs, netblocks, peer ASNs, countries allowed, ACL
addresses, locations, site admins and API tokens change only through the plain functions of
this package. Each takes a SQLAlchemy Session, the acting `Actor` and typed input, and
1. checks permission (`access`: the SOP's matrix; 404 for what the actor may not see),
2. validates (`fields` and `web.validation`: the web forms' rules),
3. changes the rows and writes the audit record in the same session,
4. raises a typed error from `mirrormanager.errors` (NotFound, Forbidden, Invalid,
   Conflict) naming the field at fault.
The caller commits (one transaction per request or command). The HTML views, the JSON API
and the CLI are thin callers.

The package loads no web framework (a test checks), so the CLI does not need Flask. It
uses the pure helpers that still live in `web/` (`validation`, `accounts`, `security`);
they move here once the parallel changes to them have landed.
"""
