"""The help group's rows (app.volunteers). The issue's acceptance: at 50,000 volunteers and 500,000 service
records (scale 100,000), the coordinator's volunteer list, the event list and a volunteer's page keep a
constant number of statements and reach 0.45 of the logged-in floor; the public sign-up page 0.6 of the
anonymous floor; no sequential scan of the service records. Opened as the bench administrator (an admin of the
county organises every community's help group: app.volunteers.models.organises)."""

# statements per request as the bench administrator sees them over HTTP, the same at scales 200 and 2,000
# (measured); tests/test_query_counts.py's volunteers section holds them constant as the rows grow.
# The list: the user, the page of volunteers, their teams, their skills (an admin above the communities filters
# by the default skills, no statement); the events: the user, the page of events with the places taken; a
# volunteer: the user, the volunteer with their user, building and community, teams, skills, hours, records.
MAX_QUERIES_VOLUNTEER_LIST = 4
MAX_QUERIES_EVENT_LIST = 2
MAX_QUERIES_VOLUNTEER_PAGE = 6

PAGES = [
    {
        "name": "volunteer list",
        "path": "/volunteers/people",
        "floor": "floor logged in",
        "min_ratio": 0.45,
        "max_queries": MAX_QUERIES_VOLUNTEER_LIST,
    },
    {
        "name": "service event list",
        "path": "/volunteers/events",
        "floor": "floor logged in",
        "min_ratio": 0.45,
        "max_queries": MAX_QUERIES_EVENT_LIST,
    },
    # {volunteer}: bench.generate.volunteers, an approved volunteer with about a hundred records
    {
        "name": "volunteer page",
        "path": "/volunteers/people/{volunteer}",
        "floor": "floor logged in",
        "min_ratio": 0.45,
        "max_queries": MAX_QUERIES_VOLUNTEER_PAGE,
    },
    # the public sign-up: its first screen without the poster's link (choose the community), then the poster's
    # QR code link, which starts a sign-up at its first step (kept in a new session: the visitor has no cookie)
    {"name": "volunteer sign-up", "path": "/volunteers/join", "floor": "floor", "min_ratio": 0.6, "anonymous": True},
    {
        "name": "volunteer sign-up from the poster",
        "path": "/volunteers/join?community={volunteer_community}",
        "floor": "floor",
        "min_ratio": 0.6,
        "anonymous": True,
    },
]
