"""The roles a user may hold (several at once)."""

import enum

from app.core.i18n import lazy_gettext as _l


class Role(enum.StrEnum):
    admin = "admin"
    mediator = "mediator"
    grid_worker = "grid_worker"
    handler = "handler"
    coordinator = "coordinator"
    volunteer = "volunteer"

    @property
    def title(self):
        return ROLE_TITLES[self]


ROLE_TITLES = {
    Role.admin: _l("Administrator"),
    Role.mediator: _l("Mediator"),
    Role.grid_worker: _l("Grid worker"),
    Role.handler: _l("Handler"),
    Role.coordinator: _l("Coordinator"),
    Role.volunteer: _l("Volunteer"),
}
