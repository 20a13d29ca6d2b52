"""nbprod writes its own code in black's layout without running black
(:mod:`nbprod.extract.layout`): whatever it lays out must be byte for byte what black makes of it,
and whatever it cannot must be left to black."""

from __future__ import annotations

import random
import string

import pytest

from nbprod.extract import render, templates
from nbprod.extract.layout import Bracket, Module
from nbprod.extract.plan import plan_notebook
from nbprod.notebook import load_notebook
from tests.conftest import FIXTURES, REPO

black = pytest.importorskip("black")
MODE = black.Mode(line_length=100, target_versions={black.TargetVersion.PY310})


def name(rng: random.Random, low: int = 1, high: int = 30) -> str:
    return rng.choice(string.ascii_letters + "_") + "".join(
        rng.choice(string.ascii_lowercase + string.digits + "_")
        for _ in range(rng.randint(low, high) - 1)
    )


def names(rng: random.Random, most: int = 40) -> list[str]:
    return [name(rng) for _ in range(rng.randint(0, most))]


def shape(rng: random.Random, kind: int) -> tuple[str, Module, str]:
    """(code before, module with one statement, code after): a valid Python module once
    joined. The statement is one of the shapes templates.py writes, with random names (and
    sometimes sized to fall near the line length)."""
    indent = rng.choice(["", "    ", "        "])
    before = "".join("    " * depth + "if x:\n" for depth in range(len(indent) // 4))
    after = ""
    m = Module()
    quoted = [f'"{n}"' for n in names(rng)]
    if kind == 0:
        m.bracket(indent, Bracket(f"{name(rng)} = [", quoted, "]", collection=True))
    elif kind == 1:
        head = f'assert sorted(steps["{name(rng, 1, 60)}"]) == ['
        m.bracket(indent, Bracket(head, quoted or ['"x"'], "]", collection=True))
    elif kind == 2:
        m.bracket(indent, Bracket("for option in [", quoted, "]:", collection=True))
        after = indent + "    pass\n"
    elif kind == 3:
        values = Bracket("{", [f'"{n}": {n}' for n in names(rng)], "}", collection=True)
        m.bracket(indent, Bracket(f"{name(rng)}(", [f'"{name(rng, 1, 60)}"', values], ")"))
    elif kind == 4:
        m.bracket(indent, Bracket("return {", [f'"{n}": {n}' for n in names(rng)], "}", True))
    elif kind == 5:
        if rng.random() < 0.5:
            targets = names(rng, 30)
        else:  # `targets = (` and `targets = call(` around the line length
            width, targets = rng.randint(80, 105) - len(indent), []
            while len(", ".join(targets)) < width - 12:
                targets.append(name(rng, 1, 12))
        args = names(rng, 15) + (["figures_dir=figures_dir"] if rng.random() < 0.3 else [])
        m.call(indent, targets, Bracket(f"{name(rng)}(", args, ")"))
    elif kind == 6:
        before, after = "", "def f():\n    pass\n"
        args = [
            f'"--{name(rng)}"',
            f'"{name(rng)}"',
            "type=int",
            f"default={rng.randint(0, 10**9)}",
        ]
        args += ["show_default=True", f"help={m.string(' '.join(names(rng, 12)))}"]
        m.bracket("", Bracket("@click.option(", args, ")"))
    elif kind == 7:
        before, after = "", "def f():\n    pass\n"
        listed = Bracket("[", quoted, "]", collection=True)
        m.bracket("", Bracket("@pytest.mark.parametrize(", ['"name"', listed], ")"))
    elif kind == 8:
        step = name(rng, 1, 60)
        items = [f'steps["{step}"]', f'GOLDENS["steps"]["{step}"]']
        m.bracket(indent, Bracket("_assert_matches(", items, ")"))
    elif kind == 9:
        before = after = ""
        imported = sorted(set(names(rng, 25) or ["x"]))
        m.imports(f"from {name(rng)}.{name(rng)} import " + ", ".join(imported))
    elif kind == 10:
        before, after = "", ""
        words = ["a", "word", "x" * rng.randint(1, 40), '"q"', "it's", "back\\slash", "é", "``c``"]
        text = " ".join(rng.choice(words) for _ in range(rng.randint(1, 60)))
        if rng.random() < 0.5:
            text += "\n\n" + " ".join(reversed(text.split()))
        m.lines("def f():")
        m.doc(text, "    ", wrap=rng.random() < 0.8)
    else:
        before = after = ""
        path = f'(HERE / "goldens" / "{name(rng, 1, 40)}.json").read_text(encoding="utf-8")'
        m.bracket("", Bracket("GOLDENS = json.loads(", [path], ")"))
    return before, m, after


def test_every_shape_laid_out_is_what_black_writes():
    rng = random.Random(4)
    exact = 0
    for case in range(480):
        before, m, after = shape(rng, case % 12)
        source = before + m.text() + after
        if m.exact:
            exact += 1
            assert black.format_str(source, mode=MODE) == source
    assert exact > 400  # the shapes are mostly laid out, not left to black


def test_what_cannot_be_laid_out_is_left_to_black():
    m = Module()
    m.lines("x = " + "1 + " * 30 + "1")  # a long line of another shape
    assert not m.exact
    for text in ['say "hi"', "back\\slash", "tab\there"]:
        m = Module()
        m.lines(f"help = {m.string(text)}")
        assert not m.exact
    for value in [[1, 2], 1e20, float("nan")]:
        m = Module()
        m.lines(f"x = {m.value(value)}")
        assert not m.exact
    m = Module()
    m.doc('"quoted" at the start')
    assert not m.exact


def test_the_runtime_helpers_are_copied_in_black_layout():
    helpers = frozenset({"shell", "shell_lines", "capture_output", "save_figures"})
    for chosen in [helpers, *({h} for h in helpers)]:
        m = templates.runtime(frozenset(chosen))
        assert m.exact
        assert black.format_str(m.text(), mode=MODE) == m.text()


@pytest.mark.parametrize(
    "notebook",
    [
        REPO / "examples" / "notebooks" / "customer_churn.ipynb",
        REPO / "examples" / "notebooks" / "iris_classifier.ipynb",
        FIXTURES / "extract" / "edge_cases.ipynb",
        FIXTURES / "corpus" / "ploomber-report-generation-task.ipynb",
    ],
    ids=lambda p: p.stem,
)
def test_a_project_is_the_same_as_when_black_formats_every_file(monkeypatch, notebook):
    plan = plan_notebook(load_notebook(notebook), "pkg")
    for goldens in (True, False):
        target = render.Target("../notebooks/nb.ipynb", has_goldens=goldens)
        laid_out = render.render_project(plan, target)
        monkeypatch.setattr(render, "finish", lambda m: render._black(m.text()))
        assert render.render_project(plan, target) == laid_out
        monkeypatch.undo()


def test_names_and_texts_that_fall_outside_the_layout_still_give_blacks_output(
    monkeypatch, make_notebook
):
    """Long names, quotes and a backslash in titles, container parameters: black decides."""
    long = "a_rather_long_variable_name_that_goes_on"
    path = make_notebook(
        {"cell_type": "markdown", "source": '# The "best" model \\ v2\n\nIt\'s "quoted".'},
        {
            "source": f"{long} = [1, 2]\nrate = 1e-05\nlabel = 'it\\'s'",
            "metadata": {"tags": ["parameters"]},
        },
        {"cell_type": "markdown", "source": '## Step "one"'},
        f"x1, x2, x3, x4, x5, x6, x7, x8, {long}_b = 1, 2, 3, 4, 5, 6, 7, 8, {long}",
        f"total = sum([x1, x2, x3, x4, x5, x6, x7, x8]) + len({long}_b) + rate",
        name="a_notebook_with_quite_a_long_name_for_its_package.ipynb",
    )
    plan = plan_notebook(load_notebook(path), "a_notebook_with_quite_a_long_name_for_its_package")
    target = render.Target("../nb.ipynb")
    laid_out = render.render_project(plan, target)
    monkeypatch.setattr(render, "finish", lambda m: render._black(m.text()))
    assert render.render_project(plan, target) == laid_out
