"""Query helpers shared by every feature: index-friendly prefix matching, and the scope of what a user may
see (every list is limited by scope_query, in one place per model)."""

from flask_login import current_user
from sqlalchemy import String, bindparam, func, or_, select
from sqlalchemy.orm import aliased

from app.core import registry
from app.core.models import AuditEntry, OrgUnit, User
from app.core.permissions import is_authenticated
from app.extensions import db


def prefix_match(column, text):
    """``column`` starts with ``text``, written so that an index on the column is used: a range on SQLite
    (binary collation, where LIKE cannot use a plain index), LIKE elsewhere."""
    if db.engine.dialect.name == "sqlite":
        return (column >= text) & (column < text + "\U0010ffff")
    return column.startswith(text, autoescape=True)


def prefix_match_bound(column, name):
    """prefix_match for a statement built once: the text is bound when it runs, with ``prefix_binds(name,
    text)`` among its parameters."""
    if db.engine.dialect.name == "sqlite":
        return (column >= bindparam(name)) & (column < bindparam(f"{name}_end"))
    return column.like(bindparam(name), escape="/")


def prefix_binds(name, text):
    """The parameters of ``prefix_match_bound(column, name)`` for ``text``."""
    if db.engine.dialect.name == "sqlite":
        return {name: text, f"{name}_end": text + "\U0010ffff"}
    escaped = text.replace("/", "//").replace("%", "/%").replace("_", "/_")
    return {name: escaped + "%"}


def rows(statement, params=None):
    """The rows of a read-only statement built once, as plain named tuples, without the ORM.

    This is how pages read what they only display (lists, a case's related cases, filter choices): the
    statement is a select() of columns built once per process (a module-level ``@cache`` function) with
    ``bindparam()`` for what changes per request, and it runs on the session's connection, in the request's
    transaction. Building a statement, working out its cache key and turning rows into ORM objects cost more
    than the SQL itself: on the case list this path is ~3 times cheaper than ``db.session.execute`` of the
    same select() built anew (bench/README.md). A row has an attribute per column label (``row.id``,
    ``row.name``) and unpacks like a tuple.
    """
    return db.session.connection().execute(statement, params or {}).all()


def rows_alone(statement, params=None):
    """``rows()`` for a page whose only read is this one statement and which writes nothing (a public page):
    run outside any transaction (autocommit), on a connection of its own. One statement is consistent by
    itself; on PostgreSQL this saves the BEGIN and the ROLLBACK, two of the page's four round trips to the
    server (the sign-up's first screen: 0.35 ms of the backend's CPU per request down to 0.13-0.15, bench/README.md).
    """
    connection = db.engine.connect()
    if connection.dialect.name != "sqlite":  # SQLite has no round trips to save: its switch costs two PRAGMAs
        connection = connection.execution_options(isolation_level="AUTOCOMMIT")
    with connection:
        return connection.execute(statement, params or {}).all()


def visible_unit_ids(user):
    """A subquery of the ids of every org unit the user may see (their unit and all under it)."""
    if not is_authenticated(user):
        return select(OrgUnit.id).where(False)
    return select(OrgUnit.id).where(prefix_match(OrgUnit.path, user.org_unit.path))


def scope_query(query, unit_column, user=None):
    """Limit a select() to rows whose ``unit_column`` lies in what ``user`` may see."""
    user = current_user if user is None else user
    return query.where(unit_column.in_(visible_unit_ids(user)))


def audit_scope(user):
    """The audit entries ``user`` (an admin) may read, as a condition on AuditEntry (joined to its actor):

    - entries by a user in the admin's scope (their unit and everything under it);
    - entries without an actor (the command line, demo data, the system) about a record in the admin's
      scope: a user, an org unit, a building, a handling unit, a case, a studio ... whose unit (its own id
      for an org unit, ``org_unit_id`` or a building's ``grid_id`` otherwise) lies in the scope;
    - failed logins, which have neither actor nor target: only when their masked mobile number is that of
      a user in the scope (the number is masked, so it may also be another number with the same first
      three and last four digits);
    - every other entry without an actor only for admins at the top of the tree, who see everything.
    """
    in_scope = visible_unit_ids(user)
    by_someone_in_scope = AuditEntry.actor_id.isnot(None) & User.org_unit_id.in_(in_scope)
    if user.org_unit.parent_id is None:
        return or_(AuditEntry.actor_id.is_(None), by_someone_in_scope)
    # each subquery reads its own copy of the table (the page's query joins the actor from "users" already)
    about_records_in_scope = [
        (AuditEntry.target_type == name)
        & AuditEntry.target_id.in_(select(table.c.id).where(table.c[unit_column].in_(in_scope)))
        for name, table, unit_column in _audit_target_units()
    ]
    person = aliased(User)
    # what app.core.operations.mask_phone writes, in SQL
    masked = (
        func.substr(person.phone, 1, 3, type_=String)
        + "****"
        + func.substr(person.phone, func.length(person.phone) - 3, 4, type_=String)
    )
    failed_login_of_someone_in_scope = (AuditEntry.action == "user.login_failed") & (
        select(person.id)
        .where(person.org_unit_id.in_(in_scope), masked == AuditEntry.params["phone"].as_string())
        .exists()
    )
    return or_(
        by_someone_in_scope,
        AuditEntry.actor_id.is_(None) & or_(*about_records_in_scope, failed_login_of_someone_in_scope),
    )


def _audit_target_units():
    """(table name, an alias of the table, the name of its column naming an org unit) of every kind of record
    audit entries are about whose rows belong to an org unit: the unit itself (``id``), its ``org_unit_id``,
    or a building's ``grid_id``."""
    found = []
    for name in registry.audit_targets():
        table = db.metadata.tables.get(name)
        if table is None or "id" not in table.c:
            continue
        column = next((c for c in ("org_unit_id", "grid_id") if c in table.c), None)
        if name == OrgUnit.__tablename__:
            column = "id"
        if column is not None:
            found.append((name, table.alias(), column))
    return found
