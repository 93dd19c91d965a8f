"""Command-line tools: ``flask --app wsgi create-user`` and ``flask --app wsgi demo-data``."""

import click
from flask.cli import with_appcontext
from sqlalchemy import func, select

from app.core import operations
from app.core.forms import MOBILE_RE, normalise_phone
from app.core.models import OrgUnit, User
from app.core.roles import Role
from app.extensions import db


@click.command("create-user")
@click.option("--phone", required=True, help="Mainland mobile number (11 digits), used to log in.")
@click.option("--name", required=True, help="Display name.")
@click.option(
    "--role",
    "roles",
    multiple=True,
    required=True,
    type=click.Choice([r.value for r in Role]),
    help="A role; repeat for several.",
)
@click.option("--unit", "unit_ref", default=None, help="Org unit id, code or name (default: the top of the tree).")
@click.option(
    "--password", prompt=True, hide_input=True, confirmation_prompt=True, help="Password (asked for when not given)."
)
@with_appcontext
def create_user_command(phone, name, roles, unit_ref, password):
    """Create a user (for example the first administrator)."""
    phone = normalise_phone(phone)
    if not MOBILE_RE.match(phone):
        raise click.BadParameter("not an 11-digit mainland mobile number", param_hint="--phone")
    if len(password) < 10:
        raise click.BadParameter("use at least 10 characters", param_hint="--password")
    unit = find_unit(unit_ref)
    if unit is None:
        raise click.ClickException("No organisation unit found. Create the tree first, or run demo-data.")
    try:
        user = operations.create_user(None, phone, name, password, roles, unit)
    except operations.DomainError as error:
        raise click.ClickException(str(error.message)) from error
    db.session.commit()
    click.echo(f"Created user {user.id}: {user.phone} {user.name} ({', '.join(sorted(roles))}) at {unit.full_name}")


def find_unit(ref):
    if ref is None:
        return db.session.scalar(select(OrgUnit).where(OrgUnit.parent_id.is_(None)).order_by(OrgUnit.id))
    query = select(OrgUnit).where((OrgUnit.code == ref) | (OrgUnit.name == ref))
    if ref.isdigit():
        query = select(OrgUnit).where((OrgUnit.id == int(ref)) | (OrgUnit.code == ref))
    return db.session.scalars(query).first()


@click.command("demo-data")
@click.option("--if-empty", is_flag=True, help="Do nothing when the database already has users.")
@with_appcontext
def demo_data_command(if_empty):
    """Fill an empty database with a realistic demo community and print the demo logins."""
    from app.core.demo import DEMO_PASSWORD, demo_steps

    if db.session.scalar(select(func.count(User.id))):
        if if_empty:
            click.echo("The database already has data; demo data not loaded.")
            return
        raise click.ClickException("The database is not empty; demo data is only loaded into an empty one.")
    steps = demo_steps()
    with click.progressbar(steps, length=len(steps), label="Loading demo data") as bar:
        for step in bar:
            step()
    db.session.commit()
    click.echo(f"\nDemo logins (password for all: {DEMO_PASSWORD}):")
    for user in db.session.scalars(select(User).order_by(User.id)):
        roles = ", ".join(sorted(str(r) for r in user.roles))
        click.echo(f"  {user.phone}  {user.name:<6} {roles:<24} {user.org_unit.full_name}")


def register(app):
    app.cli.add_command(create_user_command)
    app.cli.add_command(demo_data_command)
