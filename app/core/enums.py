"""Titled enums: every status, category, source and role of Linli, with its translated title in the class.

After Indico's ``RichStrEnum``: a member is declared with its value and its (lazy) title,

    class CaseStatus(TitledEnum):
        registered = "registered", _l("Registered")

and a column stores it with :func:`enum_column`: a VARCHAR with a CHECK constraint listing the values, the
same on SQLite and PostgreSQL, read back as the member. ``case.status.title`` is what a template shows;
the member is also a ``str``, so it compares equal to its value and renders as it in URLs and forms.
"""

import enum
from functools import lru_cache

from flask_babel import get_locale
from sqlalchemy import Enum, event
from sqlalchemy.orm import Mapper, mapped_column


class TitledEnum(enum.StrEnum):
    """A string enum whose members carry a translated title."""

    def __new__(cls, value, title=None):
        member = str.__new__(cls, value)
        member._value_ = value
        member._title = title if title is not None else value
        return member

    @property
    def title(self):  # shadows str.title on purpose: members are titled, not title-cased
        return self._title

    @classmethod
    def titles(cls):
        """{member: title} in the current language, for lists that show a title on every row."""
        return _translated_titles(cls, str(get_locale()))

    @classmethod
    def choices(cls, members=None):
        """(value, title) pairs for a select field, in declaration order."""
        return [(member.value, member.title) for member in (cls if members is None else members)]

    @classmethod
    def coerce(cls, value):
        """The member for ``value`` (a member or its value); None for None, "" or anything else."""
        if isinstance(value, cls):
            return value
        try:
            return cls(value)
        except ValueError:
            return None


@lru_cache(maxsize=256)
def _translated_titles(enum_class, _locale):
    # the catalogs do not change while the process runs: one translation per title and language
    return {member: str(member.title) for member in enum_class}


def enum_type(enum_class, name, length=None):
    """The column type of a titled enum: VARCHAR(length) plus a CHECK constraint named ``name``
    (with the naming convention: ck_<table>_<name>) that admits the members' values only."""
    return Enum(
        enum_class,
        name=name,
        native_enum=False,
        create_constraint=True,
        validate_strings=True,
        length=length or max(len(member.value) for member in enum_class),
        values_callable=lambda members: [member.value for member in members],
    )


def enum_column(enum_class, name, length=None, **kwargs):
    """``mapped_column`` of a titled enum column whose CHECK constraint is called ``name`` (the column's name
    by custom)."""
    return mapped_column(enum_type(enum_class, name, length), **kwargs)


@event.listens_for(Mapper, "mapper_configured")
def _coerce_on_set(mapper, class_):
    """An enum attribute always holds a member: a value assigned as a plain string becomes the member at once
    (``case.status.title`` works in the same request), and a value that is no member fails here, where it
    was assigned, not when the row is read back."""
    for prop in mapper.column_attrs:
        column_type = prop.columns[0].type
        enum_class = getattr(column_type, "enum_class", None)
        if isinstance(column_type, Enum) and enum_class is not None and issubclass(enum_class, TitledEnum):
            event.listen(getattr(class_, prop.key), "set", _coercer(enum_class), retval=True)


def _coercer(enum_class):
    def coerce(_target, value, _old, _initiator):
        return value if value is None or isinstance(value, enum_class) else enum_class(value)

    return coerce
