"""What the form macro ``field`` (app.core.templating.render_field) writes for each kind of field: a visible
label tied to the input, help text and errors announced through aria-describedby, aria-invalid on a field in
error, radios and checkboxes grouped under a legend, each with its own label."""

import re

from werkzeug.datastructures import MultiDict
from wtforms import BooleanField, RadioField, SelectField, StringField
from wtforms.validators import DataRequired, Length


def _form(app, data=None):
    from app.core.forms import LinliForm, choices

    class Sample(LinliForm):
        name = StringField(
            "Name <b>", validators=[DataRequired("Say who."), Length(max=20)], description="As on the card"
        )
        sex = RadioField("Sex", choices=choices([("f", "F & f"), ("m", "M")]), validators=[DataRequired("Choose.")])
        kind = SelectField("Kind", choices=choices([("a", "A"), ("b", "B")]))
        ok = BooleanField("Agreed")

    form = Sample(formdata=MultiDict(data) if data is not None else None, meta={"csrf": False})
    if data is not None:
        form.validate()
    return form


def _render(app, source, **context):
    return app.jinja_env.from_string('{% from "macros/forms.html" import field %}' + source).render(**context)


def test_a_field_is_labelled_described_and_its_error_announced(app):
    with app.test_request_context():
        form = _form(app, {"name": "", "kind": "b"})
        html = _render(app, "{{ field(form.name) }}", form=form)
    assert '<label for="name">Name &lt;b&gt; <span class="req" aria-hidden="true">*</span></label>' in html
    tag = re.search(r"<input [^>]*>", html).group(0)
    assert 'aria-describedby="name-help name-error"' in tag and 'aria-invalid="true"' in tag and " required" in tag
    assert '<p class="help" id="name-help">As on the card</p>' in html
    assert '<p class="error" id="name-error">Say who.</p>' in html
    assert "has-error" in html.split(">", 1)[0]


def test_a_field_without_error_or_help_says_nothing_more(app):
    with app.test_request_context():
        form = _form(app)
        html = _render(app, "{{ field(form.kind) }}{{ field(form.ok) }}", form=form)
    assert "aria-describedby" not in html and "aria-invalid" not in html and 'class="error"' not in html
    assert '<select id="kind" name="kind"><option value="a">A</option><option value="b">B</option></select>' in html
    assert re.search(r'<label class="check" for="ok"><input [^>]*id="ok"[^>]*> Agreed</label>', html)


def test_radios_are_grouped_under_a_legend_each_with_its_label(app):
    with app.test_request_context():
        form = _form(app, {"name": "Lan", "sex": "m"})
        chosen = _render(app, "{{ field(form.sex, hint='One of them') }}", form=form)
        form = _form(app, {"name": "Lan"})
        missing = _render(app, "{{ field(form.sex) }}", form=form)
    assert '<fieldset aria-describedby="sex-help">' in chosen
    assert '<legend>Sex <span class="req" aria-hidden="true">*</span></legend>' in chosen
    options = re.findall(r'<label class="check" for="(sex-\d)">(<input [^>]*>) ([^<]*)</label>', chosen)
    assert [(o[0], o[2]) for o in options] == [("sex-0", "F &amp; f"), ("sex-1", "M")]
    assert 'id="sex-1"' in options[1][1] and " checked" in options[1][1] and " checked" not in options[0][1]
    assert all(" required" in o[1] and 'name="sex"' in o[1] and 'type="radio"' in o[1] for o in options)
    assert '<fieldset aria-describedby="sex-error">' in missing
    assert '<p class="error" id="sex-error">Choose.</p>' in missing
