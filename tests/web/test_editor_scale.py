"""'Meine Kommune' at scale: the usages table costs the same number of queries with 2 rows or
60, and its string-built widgets render exactly Django's markup."""

import datetime as dt

import pytest
from django import forms
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests import factories
from web import forms as web_forms

URL = reverse("editor_usages", args=["05158004"])


def table_queries(client) -> tuple[int, int]:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(URL)
    assert response.status_code == 200
    return len(captured), len(response.context["existing"].forms)


def test_usages_table_query_count_does_not_grow_with_rows(client, own_editor, world, scene,
                                                         django_assert_max_num_queries):
    client.force_login(own_editor)
    few, rows = table_queries(client)
    assert rows == 2
    for i in range(58):
        factories.UsageFactory(municipality=world.own, software=factories.SoftwareFactory(
            name=f"P{i:02d}"), satisfaction=3, notes=f"Notiz {i}", since=dt.date(2020, 1, 1))
    many, rows = table_queries(client)
    assert rows == 60 and many == few
    with django_assert_max_num_queries(few):
        page = client.get(URL).content.decode()
    assert page.count('type="date"') == 60 + 3  # every row and the three new ones
    assert 'value="Notiz 57"' in page


def test_product_list_of_new_rows_is_the_same_in_every_row(client, own_editor, scene):
    client.force_login(own_editor)
    page = client.get(URL).content.decode()
    selects = [page.split(f'name="neu-{i}-software"', 1)[1].split(">", 1)[1]
               .split("</select>", 1)[0] for i in range(3)]
    assert selects[0] == selects[1] == selects[2]
    assert f'<option value="{scene.dms.pk}">d.velop documents</option>' in selects[0]
    assert '<optgroup label="Dokumentenmanagement">' in selects[0]


@pytest.mark.parametrize("fast,django_widget,values", [
    (web_forms.DateInput(), forms.DateInput(format="%Y-%m-%d"),
     [None, dt.date(2020, 1, 2), "2020-13-01", '<x">']),
    (web_forms.FastTextInput(), forms.TextInput(), [None, "", "a<b>\"&'", "Notiz"]),
    (web_forms.FastHiddenInput(), forms.HiddenInput(), [None, 5, "2024-01-01T10:00:00+00:00"]),
    (web_forms.FastCheckboxInput(), forms.CheckboxInput(), [None, True, False, "", "on"]),
])
def test_string_built_inputs_render_djangos_markup(fast, django_widget, values):
    django_widget.input_type = fast.input_type
    for value in values:
        for attrs in (None, {"id": "id_x", "required": True, "maxlength": "2000",
                             "aria-invalid": "true", "disabled": False, "data-n": 3}):
            assert str(fast.render("nutzung-0-x", value, attrs)) == str(
                django_widget.render("nutzung-0-x", value, attrs))
