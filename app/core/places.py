"""How the installation writes a place: a building is its number and the community's word for it, "3幢" (or
"3栋", setting ``LINLI_BUILDING_WORD``), after the estate's name when there is one ("东湖苑2幢")."""

from flask import current_app

DEFAULT_BUILDING_WORD = "幢"


def building_word():
    """The word after a building's number: 幢 by default."""
    return current_app.config.get("LINLI_BUILDING_WORD") or DEFAULT_BUILDING_WORD


def building_name(number, estate=""):
    """A building's name as the community writes it: building_name(3) == "3幢",
    building_name(2, "东湖苑") == "东湖苑2幢"."""
    return f"{estate}{number}{building_word()}"
