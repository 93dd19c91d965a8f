"""The phone report: photos stored without EXIF and scaled down, one order for one submission key however
often it is sent, and bad input refused with a translated message, nothing stored, what was typed kept."""

import io
import os

import pytest
from PIL import Image
from sqlalchemy import func, select

from app.core import storage
from app.extensions import db
from app.grid.models import OrderPhoto, WorkOrder
from tests.conftest import page_text, translated
from tests.grid.factories import jpeg_bytes, make_category

TYPED = "东门口的井盖松动了，电动车压过去会翻"


def data(world, category, **changes):
    values = {
        "photos": (io.BytesIO(jpeg_bytes()), "well.jpg"),
        "category_id": str(category),
        "description": TYPED,
        "building_id": str(world.building),
        "room": "东门",
        "level": "two_hours",
    }
    values.update(changes)
    return values


def counts(app):
    with app.app_context():
        result = (
            db.session.scalar(select(func.count(WorkOrder.id))),
            db.session.scalar(select(func.count(OrderPhoto.id))),
        )
        db.session.remove()
    return result


def stored_files(app):
    folder = os.path.join(app.config["UPLOAD_FOLDER"], "grid")
    return sorted(os.listdir(folder)) if os.path.isdir(folder) else []


def test_a_photo_is_stored_without_exif_and_at_most_1600_pixels(app, client, login_as, world):
    category = make_category(app, world)
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x0110] = "Phone 12"  # Model
    gps = {1: "N", 2: (30.0, 17.0, 24.0), 3: "E", 4: (120.0, 9.0, 36.0)}
    exif[0x8825] = gps  # GPS IFD
    big = jpeg_bytes(size=(4000, 3000), exif=exif.tobytes())
    assert Image.open(io.BytesIO(big)).getexif().get_ifd(0x8825)  # the upload does carry a position
    login_as("grid_worker")
    response = client.post("/grid/report", data=data(world, category, photos=(io.BytesIO(big), "IMG_0001.jpg")))
    assert response.status_code == 302
    with app.app_context():
        photo = db.session.scalar(select(OrderPhoto))
        stored = storage.open_bytes(f"grid/{photo.stored_name}")
        db.session.remove()
    image = Image.open(io.BytesIO(stored))
    assert max(image.size) == 1600 and image.size == (1600, 1200)
    assert not image.getexif() and "exif" not in image.info
    assert b"PhoneMaker" not in stored and b"GPS" not in stored
    # the page shows it, to those who may see the order
    order_url = response.headers["Location"]
    html = client.get(order_url).get_data(as_text=True)
    assert f"{order_url}/photos/{photo.id}" in html
    assert client.get(f"{order_url}/photos/{photo.id}").status_code == 200
    login_as("outsider")
    assert client.get(f"{order_url}/photos/{photo.id}").status_code == 404


def test_the_same_submission_sent_again_reports_once(app, client, login_as, world):
    category = make_category(app, world)
    login_as("grid_worker")
    files_before = stored_files(app)
    key = "phone-made-key-ABCDEFGH12345"
    first = client.post("/grid/report", data=data(world, category, submission_key=key))
    again = client.post("/grid/report", data=data(world, category, submission_key=key))
    third = client.post("/grid/report", data=data(world, category, submission_key=key))
    assert first.status_code == again.status_code == third.status_code == 302
    assert first.headers["Location"] == again.headers["Location"] == third.headers["Location"]
    assert counts(app) == (1, 1)
    assert len(set(stored_files(app)) - set(files_before)) == 1
    # another key is another report
    assert client.post("/grid/report", data=data(world, category, submission_key=key + "X")).status_code == 302
    assert counts(app)[0] == 2


def too_big():
    return (io.BytesIO(os.urandom(9 * 1024 * 1024)), "huge.jpg")


BAD = {
    "not an image": (
        lambda w: {"photos": (io.BytesIO(b"MZ\x90\x00 not a picture"), "virus.jpg")},
        "A photo must be an image file.",
    ),
    "oversized": (lambda w: {"photos": too_big()}, "The file is larger than %(mb)s MB."),
    "five photos": (
        lambda w: {"photos": [(io.BytesIO(jpeg_bytes()), f"{n}.jpg") for n in range(5)]},
        "Add at most %(n)d photos.",
    ),
    "10,000 characters": (lambda w: {"description": "长" * 10_000}, "Keep it under %(max)d characters."),
    "unknown building": (lambda w: {"building_id": "999999"}, "Choose the building."),
    "building of another community": (
        lambda w: {"building_id": str(w.building_b)},
        "You can report only in your own grid.",
    ),
    "building of another grid": (
        lambda w: {"building_id": str(w.building_a2)},
        "You can report only in your own grid.",
    ),
    "latitude out of range": (lambda w: {"latitude": "91", "longitude": "120"}, "A latitude is between -90 and 90."),
    "latitude not a number": (lambda w: {"latitude": "abc", "longitude": "120"}, None),
    "only a longitude": (lambda w: {"longitude": "120.1"}, "Give both the latitude and the longitude, or neither."),
    "no category": (lambda w: {"category_id": ""}, "Choose a category."),
}


@pytest.fixture
def more_buildings(app, world):
    from app.core.models import Building

    with app.app_context():
        b = Building(grid_id=world.grid_b1, name="湖滨1幢")
        a2 = Building(grid_id=world.grid_a2, name="7幢")
        db.session.add_all([b, a2])
        db.session.commit()
        world.building_b, world.building_a2 = b.id, a2.id
        db.session.remove()
    return world


@pytest.mark.parametrize("case", list(BAD))
def test_bad_input_is_refused_on_the_page_with_nothing_stored(app, client, login_as, more_buildings, case):
    world = more_buildings
    category = make_category(app, world)
    changes, message = BAD[case]
    login_as("grid_worker")
    files_before = stored_files(app)
    response = client.post("/grid/report", data=data(world, category, **changes(world)))
    assert response.status_code == 200, case
    text = page_text(response)
    html = response.get_data(as_text=True)
    if message:
        params = {"mb": "8", "n": 4, "max": 500}
        assert translated(app, message, **params) in text, case
    assert 'aria-invalid="true"' in html or "has-error" in html, case
    assert counts(app) == (0, 0) and stored_files(app) == files_before, case
    # what was typed is kept
    if case != "10,000 characters":
        assert TYPED in html
    assert 'value="东门"' in html


def test_the_report_page_is_phone_first(app, client, login_as, world):
    make_category(app, world)
    login_as("grid_worker")
    html = client.get("/grid/report").get_data(as_text=True)
    assert 'type="file"' in html and 'accept="image/*"' in html and 'capture="environment"' in html
    assert "multiple" in html and 'enctype="multipart/form-data"' in html
    assert 'type="radio"' in html and "big-choice" in html
    css = open(os.path.join(app.static_folder, "css", "linli.css"), encoding="utf-8").read()
    assert "/* grid work" in css and ".big-choice" in css


def test_the_benchmarks_report_is_a_report_the_page_takes(app, client, login_as, world):
    """bench/run/pages/grid.py posts this report with its photo over and over: it must be what the report
    page's script sends, saved as an order whose photo is the phone's 1600×1200 picture without metadata."""
    from bench.run.pages.grid import report_form

    category = make_category(app, world)
    fields, files = report_form({"grid_category": category, "grid_building": world.building})
    login_as("grid_worker")
    data = {
        **{name: str(value) for name, value in fields.items()},
        "photos": [(io.BytesIO(content), filename, kind) for _name, filename, kind, content in files],
    }
    response = client.post("/grid/report", data=data, headers={"X-Report-Sender": "page"})
    assert response.status_code == 200 and response.json["url"].startswith("/grid/orders/")
    with app.app_context():
        order = db.session.scalar(select(WorkOrder))
        assert order.description == fields["description"] and order.building_id == world.building
        photo = db.session.scalar(select(OrderPhoto))
        stored = Image.open(io.BytesIO(storage.open_bytes(f"grid/{photo.stored_name}")))
        assert stored.size == (1600, 1200) and not stored.getexif()
