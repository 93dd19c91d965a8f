"""Demo data: a street with two communities, their grids, buildings, handling units, one user per role and
what each feature adds (app.core.registry: the mediation studios' cases, ...).

All people are fictional.
"""

from app.core import operations
from app.core.models import HandlingUnitKind
from app.core.places import DEFAULT_BUILDING_WORD, building_word
from app.core.roles import Role

DEMO_PASSWORD = "linli-demo-2026"  # noqa: S105 - demo accounts only, printed by demo-data

TREE = {
    "name": "清溪县",
    "code": "QX",
    "kind": "county",
    "children": [
        {
            "name": "舞阳街道",
            "code": "QX-WY",
            "kind": "street",
            "children": [
                {
                    "name": "回龙社区",
                    "code": "QX-WY-HL",
                    "kind": "community",
                    "children": [
                        {
                            "name": "回龙第一网格",
                            "code": "QX-WY-HL-01",
                            "kind": "grid",
                            "buildings": ["1幢", "2幢", "3幢", "4幢", "5幢", "6幢"],
                        },
                        {
                            "name": "回龙第二网格",
                            "code": "QX-WY-HL-02",
                            "kind": "grid",
                            "buildings": ["7幢", "8幢", "9幢", "10幢", "11幢"],
                        },
                        {
                            "name": "回龙第三网格",
                            "code": "QX-WY-HL-03",
                            "kind": "grid",
                            "buildings": ["12幢", "13幢", "14幢", "15幢"],
                        },
                    ],
                },
                {
                    "name": "东湖社区",
                    "code": "QX-WY-DH",
                    "kind": "community",
                    "children": [
                        {
                            "name": "东湖第一网格",
                            "code": "QX-WY-DH-01",
                            "kind": "grid",
                            "buildings": ["东湖苑1幢", "东湖苑2幢", "东湖苑3幢"],
                        },
                        {
                            "name": "东湖第二网格",
                            "code": "QX-WY-DH-02",
                            "kind": "grid",
                            "buildings": ["湖滨小区A座", "湖滨小区B座"],
                        },
                    ],
                },
            ],
        }
    ],
}

HANDLING_UNITS = [
    (
        "QX-WY-HL",
        HandlingUnitKind.property_company,
        "清溪安居物业服务有限公司（回龙苑项目部）",
        "周建国",
        "13905720011",
    ),
    ("QX-WY", HandlingUnitKind.police_station, "舞阳派出所", "吴志强", "13905720022"),
    ("QX-WY", HandlingUnitKind.township_office, "舞阳街道城建办", "沈丽华", "13905720033"),
    ("QX", HandlingUnitKind.utility, "清溪县供水有限公司", "钱海峰", "13905720044"),
    ("QX-WY-DH", HandlingUnitKind.property_company, "湖滨物业管理有限公司", "孙晓燕", "13905720055"),
]

# phone, name, roles, unit code, handling unit index
USERS = [
    ("13800000001", "陈立新", [Role.admin], "QX-WY", None),
    ("13800000002", "王丹丹", [Role.mediator], "QX-WY-HL", None),
    ("13800000003", "李晓梅", [Role.grid_worker, Role.volunteer], "QX-WY-HL-01", None),
    ("13800000004", "周建国", [Role.handler], "QX-WY-HL", 0),
    ("13800000005", "赵慧芳", [Role.coordinator], "QX-WY-HL", None),
    ("13800000006", "孙秀英", [Role.volunteer], "QX-WY-HL-02", None),
    ("13800000007", "刘海波", [Role.mediator, Role.grid_worker], "QX-WY-DH", None),
]


def demo_steps():
    """The demo data as a list of steps (callables), so a progress bar can follow them."""
    units = {}
    handling = []

    def make_unit(node, parent):
        def step():
            unit = operations.create_unit(None, units.get(parent), node["kind"], node["name"], node["code"])
            units[node["code"]] = unit
            for name in node.get("buildings", []):
                # "3幢" is written with the installation's word for a building (LINLI_BUILDING_WORD)
                name = name.replace(DEFAULT_BUILDING_WORD, building_word())
                operations.save_building(None, unit, {"name": name, "entrances": 2, "households": 48})

        return step

    steps = []

    def walk(node, parent):
        steps.append(make_unit(node, parent))
        for child in node.get("children", []):
            walk(child, node["code"])

    walk(TREE, None)

    def make_handling_unit(code, kind, name, contact, phone):
        def step():
            handling.append(
                operations.save_handling_unit(
                    None,
                    {
                        "name": name,
                        "kind": kind,
                        "org_unit": units[code],
                        "contact_name": contact,
                        "contact_phone": phone,
                        "active": True,
                    },
                )
            )

        return step

    steps.extend(make_handling_unit(*row) for row in HANDLING_UNITS)

    def make_user(phone, name, roles, code, handling_index):
        def step():
            unit = handling[handling_index] if handling_index is not None else None
            operations.create_user(None, phone, name, DEMO_PASSWORD, roles, units[code], handling_unit=unit)

        return step

    steps.extend(make_user(*row) for row in USERS)

    from app.core.registry import demo_steps as feature_steps

    steps.extend(feature_steps())  # each feature's own demo data, after the shared tree and users
    return steps
