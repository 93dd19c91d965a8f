"""A report sent three times at the same moment with one idempotency key (a phone retrying on a bad network,
the offline queue sending again): one work order, and every request answered with it. On SQLite and, in CI,
on PostgreSQL (where the three transactions really run at once)."""

import io
import threading

from sqlalchemy import func, select

from app.extensions import db
from app.grid.models import OrderPhoto, WorkOrder
from tests.conftest import page_text
from tests.grid.factories import jpeg_bytes, make_category


def test_the_same_report_posted_three_times_at_once_makes_one_order(app, world, login_as):
    category = make_category(app, world)
    clients = [app.test_client() for _ in range(3)]
    for client in clients:
        login_as("grid_worker", client)
        client.csrf_token()
    barrier = threading.Barrier(len(clients))
    responses = [None] * len(clients)

    def send(i):
        data = {
            "photos": [(io.BytesIO(jpeg_bytes()), "a.jpg")],
            "category_id": str(category),
            "description": "3幢门口的井盖松动了",
            "building_id": str(world.building),
            "level": "",
            "submission_key": "the-one-key-of-this-report-0001",
        }
        barrier.wait()
        response = clients[i].post("/grid/report", data=data)
        responses[i] = (response.status_code, response.headers.get("Location", ""), page_text(response))

    threads = [threading.Thread(target=send, args=(i,)) for i in range(len(clients))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)

    with app.app_context():
        orders = db.session.scalars(select(WorkOrder)).all()
        photos = db.session.scalar(select(func.count()).select_from(OrderPhoto))
        db.session.remove()
    assert len(orders) == 1 and photos == 1
    # each of the three is answered with the one order: sent to its page, or shown that it was saved
    for status, location, text in responses:
        assert status in (200, 302)
        if status == 302:
            assert location.endswith(f"/grid/orders/{orders[0].id}")
        else:
            assert "请修改" not in text  # no error summary
    assert (
        sum(orders[0].number in text or location.endswith(f"/{orders[0].id}") for _s, location, text in responses) >= 1
    )
