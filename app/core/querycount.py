"""Counts SQL statements per request (benchmarks only): the count goes out as X-Query-Count."""

from flask import g
from sqlalchemy import event


def install_query_counter(app):
    from app.extensions import db

    with app.app_context():
        engine = db.engine

    @event.listens_for(engine, "before_cursor_execute")
    def count(conn, cursor, statement, parameters, context, executemany):
        try:
            g.query_count = g.get("query_count", 0) + 1
        except RuntimeError:  # outside a request or app context
            pass

    @app.after_request
    def add_header(response):
        response.headers["X-Query-Count"] = str(g.get("query_count", 0))
        return response
