from tests.conftest import page_text


def test_home_anonymous(client, world):
    r = client.get("/")
    assert r.status_code == 200
