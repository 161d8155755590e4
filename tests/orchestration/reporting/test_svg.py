"""SVG chart helpers: well-formed, escaped, accessible charts that survive awkward data."""

import datetime as dt
import xml.etree.ElementTree as ET

import pytest

from orchestration.reporting import svg

NS = {"s": "http://www.w3.org/2000/svg"}
HOSTILE = "<script>alert('x')</script> & \"Co\"\x00\x07"
DAY = dt.date(2026, 11, 1)


def parse(markup: str) -> ET.Element:
    return ET.fromstring(markup)  # raises on anything that is not well-formed XML


def texts(root: ET.Element) -> list[str]:
    return ["".join(node.itertext()) for node in root.iter() if node.tag.endswith(("text", "title", "desc"))]


def all_charts(label: str = "a") -> dict[str, str]:
    return {
        "line": svg.line_chart(
            {label: [(DAY, 1.0), (DAY + dt.timedelta(days=1), 2.0)]},
            title=label,
            x_label=label,
            y_label=label,
        ),
        "area": svg.stacked_area_chart({label: [(DAY, 1.0), (DAY + dt.timedelta(days=1), 2.0)]}, title=label),
        "bar": svg.bar_chart([label], {label: [3.0]}, title=label),
        "stacked horizontal bar": svg.bar_chart(
            [label, "b"], {label: [1.0, 2.0], "other": [2.0, 1.0]}, title=label, stacked=True, horizontal=True
        ),
    }


@pytest.mark.parametrize("kind", ["line", "area", "bar", "stacked horizontal bar"])
def test_chart_escapes_hostile_titles_series_and_categories(kind):
    markup = all_charts(HOSTILE)[kind]
    root = parse(markup)
    assert "<script" not in markup
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt; &amp; &quot;Co&quot;" in markup
    assert "\x00" not in markup and "\x07" not in markup
    assert any("<script>alert('x')</script>" in text for text in texts(root))
    assert not root.findall(".//s:script", NS)


@pytest.mark.parametrize("kind", ["line", "area", "bar", "stacked horizontal bar"])
def test_chart_is_an_accessible_image_without_javascript(kind):
    markup = all_charts("Open balance")[kind]
    root = parse(markup)
    assert root.get("role") == "img"
    title_id, desc_id = root.get("aria-labelledby").split()
    assert root.find(f"s:title[@id='{title_id}']", NS).text == "Open balance"
    assert "Open balance" in root.find(f"s:desc[@id='{desc_id}']", NS).text
    assert not any(name.startswith("on") for node in root.iter() for name in node.attrib)
    assert "javascript:" not in markup.lower()


@pytest.mark.parametrize(
    "markup",
    [
        svg.line_chart({}, title="Nothing"),
        svg.line_chart({"a": []}, title="Nothing"),
        svg.line_chart({"a": [(DAY, None)]}, title="Nothing"),
        svg.stacked_area_chart({}, title="Nothing"),
        svg.bar_chart([], {}, title="Nothing"),
        svg.bar_chart(["a"], {"s": [None]}, title="Nothing"),
    ],
    ids=["line", "line-empty-series", "line-only-none", "area", "bar", "bar-only-none"],
)
def test_chart_without_data_says_so_instead_of_crashing(markup):
    root = parse(markup)
    assert "No data" in texts(root)
    assert "no data" in root.find("s:desc", NS).text


def test_line_chart_whose_series_have_one_point_shows_their_values_not_dots():
    root = parse(
        svg.line_chart({"DSO": [(DAY, 41.5)], "ADD": [(DAY, 3)]}, title="DSO, NYC, USD", value_format="days")
    )
    assert not root.findall(".//s:circle", NS) and not root.findall(".//s:polyline", NS)
    shown = texts(root)
    assert "DSO: 41.5 d" in shown and "ADD: 3.0 d" in shown
    assert "One date so far (2026-11-01): no trend yet." in shown


def test_stacked_area_with_one_date_shows_each_series_value_in_its_fixed_colour():
    colours = {"current": "#111111", "1-30": "#222222"}
    root = parse(
        svg.stacked_area_chart({"1-30": [(DAY, 50)], "current": [(DAY, 100)]}, title="Aging", colours=colours)
    )
    shown = texts(root)
    assert "1-30: 50.00" in shown and "current: 100.00" in shown
    swatches = [r.get("fill") for r in root.findall(".//s:rect", NS) if r.get("width") == "12"]
    assert swatches == ["#222222", "#111111"]


def test_stacked_area_keeps_a_series_colour_by_name_whatever_series_the_chart_has():
    colours = {"current": "#0072B2", "1-30": "#E69F00", "90+": "#CC79A7"}
    two = svg.stacked_area_chart(
        {"90+": [(DAY, 5), (DAY + dt.timedelta(days=1), 6)]}, title="A", colours=colours
    )
    assert 'fill="#CC79A7"' in two and 'fill="#0072B2"' not in two


def test_stacked_area_treats_a_missing_date_as_zero_and_stacks_in_series_order():
    root = parse(
        svg.stacked_area_chart(
            {
                "current": [(DAY, 100), (DAY + dt.timedelta(days=1), 100)],
                "90+": [(DAY + dt.timedelta(days=1), 50)],
            },
            title="Aging",
        )
    )
    polygons = root.findall(".//s:polygon", NS)
    assert [p.find("s:title", NS).text for p in polygons] == [
        "current – latest 2026-11-02: 100.00",
        "90+ – latest 2026-11-02: 50.00",
    ]
    axis = [node.text for node in root.findall("s:text[@class='value-tick']", NS)]
    assert axis == ["0", "50", "100", "150"]  # the axis reaches the stack's top


def bar_geometry(markup: str) -> tuple[dict[str, ET.Element], float]:
    root = parse(markup)
    bars = {rect.find("s:title", NS).text: rect for rect in root.findall(".//s:rect[s:title]", NS)}
    zero = next(line for line in root.findall("s:line", NS) if line.get("stroke") == "#888888")
    return bars, float(zero.get("y1"))


def test_negative_bar_hangs_below_the_zero_line():
    bars, zero = bar_geometry(
        svg.bar_chart(["credit", "debit"], {"Balance": [-250, 400]}, title="Balance", value_format="money")
    )
    credit, debit = bars["credit: -250.00"], bars["debit: 400.00"]
    assert float(credit.get("y")) == pytest.approx(zero, abs=0.1)
    assert float(debit.get("y")) + float(debit.get("height")) == pytest.approx(zero, abs=0.1)
    assert float(debit.get("height")) == pytest.approx(float(credit.get("height")) * 400 / 250, rel=0.02)


def test_stacked_bars_stack_positives_up_and_negatives_down_separately():
    bars, zero = bar_geometry(
        svg.bar_chart(["x"], {"a": [100], "b": [-40], "c": [50]}, title="Mixed", stacked=True)
    )
    a, b, c = bars["a – x: 100"], bars["b – x: -40"], bars["c – x: 50"]
    assert float(b.get("y")) == pytest.approx(zero, abs=0.1)
    assert float(c.get("y")) + float(c.get("height")) == pytest.approx(float(a.get("y")), abs=0.1)


def test_bar_chart_rejects_a_series_of_the_wrong_length():
    with pytest.raises(ValueError, match="series 'a' has 1 values for 2 categories"):
        svg.bar_chart(["x", "y"], {"a": [1]}, title="Broken")


def test_axis_labels_are_round_numbers_covering_the_data():
    root = parse(svg.bar_chart(["a", "b"], {"Open": [1234567.89, -3200]}, title="Open", value_format="money"))
    labels = [node.text for node in root.findall("s:text[@class='value-tick']", NS)]
    assert labels == ["-250k", "0", "250k", "500k", "750k", "1M", "1.25M"]


@pytest.mark.parametrize(
    ("low", "high", "ticks"),
    [
        (0, 1234567, [0, 250000, 500000, 750000, 1000000, 1250000]),
        (-3, 7, [-4, -2, 0, 2, 4, 6, 8]),
        (0, 1, [0, 0.2, 0.4, 0.6, 0.8, 1]),
        (0, 0, [0, 0.2, 0.4, 0.6, 0.8, 1]),
        (41.5, 43, [41.5, 42, 42.5, 43]),
    ],
)
def test_nice_ticks_are_one_two_or_five_times_a_power_of_ten(low, high, ticks):
    assert svg.nice_ticks(low, high) == pytest.approx(ticks)


def test_count_ticks_are_whole_numbers():
    assert svg.nice_ticks(0, 2, integer=True) == [0, 1, 2]
    assert svg.nice_ticks(0, 11, integer=True) == [0, 5, 10, 15]
    root = parse(svg.bar_chart(["low", "high"], {"Accounts": [1, 2]}, title="Bands", value_format="count"))
    assert [node.text for node in root.findall("s:text[@class='value-tick']", NS)] == ["0", "1", "2"]


def test_date_axis_over_months_ticks_on_the_first_of_each_month():
    points = [(DAY + dt.timedelta(days=n), float(n)) for n in range(0, 120, 3)]
    root = parse(svg.line_chart({"DSO": points}, title="DSO"))
    dates = [text for text in texts(root) if text[:4] == "2026" or text[:4] == "2027"]
    assert dates == ["2026-11-01", "2026-12-01", "2027-01-01", "2027-02-01"]


@pytest.mark.parametrize(
    ("value", "money", "compact"),
    [
        (1234567.891, "1,234,567.89", "1.23M"),
        (-1250.5, "-1,250.50", "-1.25k"),
        (0, "0.00", "0"),
        (950, "950.00", "950"),
    ],
)
def test_money_is_formatted_with_separators_and_compact_on_axes(value, money, compact):
    assert svg.format_money(value) == money
    assert svg.format_compact(value) == compact


def test_lines_differ_by_dash_as_well_as_colour_for_grey_print():
    root = parse(svg.line_chart({"a": [(1, 1), (2, 2)], "b": [(1, 2), (2, 1)]}, title="Two"))
    lines = root.findall("s:polyline", NS)
    assert len({line.get("stroke") for line in lines}) == 2
    assert lines[0].get("stroke-dasharray") is None and lines[1].get("stroke-dasharray")
