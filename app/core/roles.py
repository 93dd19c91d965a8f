"""The roles a user may hold (several at once)."""

from app.core.enums import TitledEnum
from app.core.i18n import lazy_gettext as _l


class Role(TitledEnum):
    admin = "admin", _l("Administrator")
    mediator = "mediator", _l("Mediator")
    grid_worker = "grid_worker", _l("Grid worker")
    handler = "handler", _l("Handler")
    coordinator = "coordinator", _l("Coordinator")
    volunteer = "volunteer", _l("Volunteer")
