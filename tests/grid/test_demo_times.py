"""The demo work orders' clocks and timelines are the story's: dispatched 30 hours ago means 30 hours ago."""

from datetime import timedelta

from sqlalchemy import select

from app.core.types import utcnow
from app.extensions import db
from app.grid.models import OrderEvent, OrderStatus, WorkOrder


def test_demo_orders_happened_when_their_story_says(app):
    loaded_from = utcnow()
    result = app.test_cli_runner().invoke(args=["demo-data"])
    assert result.exit_code == 0, result.output
    loaded_to = utcnow()
    with app.app_context():
        orders = db.session.scalars(select(WorkOrder).order_by(WorkOrder.id)).all()
        assert len(orders) == 7
        for order in orders:
            events = db.session.scalars(
                select(OrderEvent).where(OrderEvent.order_id == order.id).order_by(OrderEvent.id)
            ).all()
            times = [event.at for event in events]
            assert times and times == sorted(times), order.number
            assert not [at for at in times if loaded_from <= at <= loaded_to], order.number
            assert times[0] == order.reported_at < loaded_from
        overdue = next(o for o in orders if "路灯" in o.description)
        # dispatched 30 hours ago with a one-day deadline: 6 hours late, as the overdue board shows it
        assert abs(loaded_to - overdue.dispatched_at - timedelta(hours=30)) < timedelta(minutes=5)
        assert overdue.is_overdue(loaded_to) and overdue.due_at < loaded_to - timedelta(hours=5)
        late_sign = next(o for o in orders if "电梯" in o.description)
        assert late_sign.status == OrderStatus.dispatched and late_sign.is_overdue(loaded_to)
        closed = next(o for o in orders if o.status == OrderStatus.closed)
        # the whole loop over five days: reported five days ago, closed two days ago
        assert (loaded_to - closed.reported_at).days == 5 and (loaded_to - closed.closed_at).days == 2
