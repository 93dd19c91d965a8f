"""Small query helpers shared by every feature."""

from app.extensions import db


def prefix_match(column, text):
    """``column`` starts with ``text``, written so that an index on the column is used: a range on SQLite
    (binary collation, where LIKE cannot use a plain index), LIKE elsewhere."""
    if db.engine.dialect.name == "sqlite":
        return (column >= text) & (column < text + "\U0010ffff")
    return column.startswith(text, autoescape=True)
