"""Planning decisions (pure: no file is written, no kernel started)."""

from __future__ import annotations

from nbprod.extract.plan import plan_notebook
from nbprod.extract.transforms.cst import statements_code
from nbprod.notebook import load_notebook


def md(text: str) -> dict:
    return {"cell_type": "markdown", "source": text}


def plan_of(make_notebook, *cells, **metadata):
    return plan_notebook(load_notebook(make_notebook(*cells, **metadata)), "pkg")


def code_of_step(step) -> str:
    return "".join(statements_code(f.statements) for f in step.fragments if f.plot is None)


def test_one_step_per_section_with_its_inputs_and_outputs(make_notebook):
    plan = plan_of(
        make_notebook,
        md("# Title"),
        "import pandas as pd",
        md("## Load"),
        "df = pd.DataFrame({'a': [1, 2]})\ntmp = 1",
        md("## Sum"),
        "total = df['a'].sum()\ndf",
        md("## Report"),
        "report = f'{total} rows'",
    )
    assert [(s.name, s.cells, s.inputs, s.outputs) for s in plan.steps] == [
        ("load", (4,), (), ("df", "tmp")),
        ("sum", (6,), ("df",), ("total",)),
        ("report_step", (8,), ("total",), ("report",)),  # `report` is a variable already
    ]
    assert plan.results == ("df", "tmp", "total", "report")
    assert plan.problems == ()


def test_without_headings_a_step_starts_at_each_cell_that_defines_names(make_notebook):
    plan = plan_of(make_notebook, "x = [3, 1]", "x", "x = sorted(x)", "print(x)")
    assert [(s.name, s.cells) for s in plan.steps] == [("make_x", (1, 2)), ("update_x", (3, 4))]


def test_parameters_cell_gives_the_config_and_comments_give_help(make_notebook):
    plan = plan_of(
        make_notebook,
        {
            "source": "seed = 1  # random seed\nrate = 0.5\nname = 'a'\nlimit = None\nn = seed * 2",
            "metadata": {"tags": ["parameters"]},
        },
        {"source": "# Parameters\nrate = 0.25\n", "metadata": {"tags": ["injected-parameters"]}},
        "y = seed + rate + n",
    )
    assert [(p.name, p.value, p.help) for p in plan.parameters] == [
        ("seed", 1, "random seed"),
        ("rate", 0.25, ""),
        ("name", "a", ""),
        ("limit", None, ""),
    ]
    assert plan.parameters_origin == "the parameters cell (cell 1)"
    assert [(s.inputs, s.outputs) for s in plan.steps] == [
        (("seed",), ("n",)),
        (("seed", "rate", "n"), ("y",)),
    ]


def test_without_parameters_cell_literals_are_lifted_and_reported(make_notebook):
    plan = plan_of(
        make_notebook,
        "import numpy as np\nN = 100\nlabel = 'x'",
        "np.random.seed(7)\ndata = np.random.rand(N)",
        "half = train_test_split(data, test_size=0.5, random_state=3)",
    )
    assert [(p.name, p.value) for p in plan.parameters] == [
        ("N", 100),
        ("label", "x"),
        ("test_size", 0.5),
        ("random_state", 3),
        ("seed", 7),
    ]
    lifted = [n.format() for n in plan.notes if n.kind == "lifted"]
    assert lifted == [
        "cell 1:1: N = 100 -> config (top-of-notebook literal)",
        "cell 1:1: label = 'x' -> config (top-of-notebook literal)",
        "cell 2:1: seed 7 -> config parameter `seed`",
        "cell 3:1: random_state=3 -> config parameter `random_state`",
        "cell 3:1: test_size=0.5 -> config parameter `test_size`",
    ]
    assert "np.random.seed(seed)" in code_of_step(plan.steps[0])


def test_a_conditional_redefinition_takes_the_old_value(make_notebook):
    plan = plan_of(make_notebook, "x = len('abc')", "if x > 5:\n    x = 0")
    assert [(s.inputs, s.outputs) for s in plan.steps] == [((), ("x",)), (("x",), ("x",))]


def test_names_an_except_clause_or_del_unbinds_are_not_results(make_notebook):
    plan = plan_of(
        make_notebook,
        "e = len('ab')\nk = len('abc')",
        "try:\n    1 / 0\nexcept ZeroDivisionError as e:\n    print(e)",
        "del k",
    )
    assert [(s.inputs, s.outputs) for s in plan.steps] == [((), ("k",)), (("k",), ())]
    assert plan.results == ()


def test_functions_reading_globals_take_them_as_keyword_parameters(make_notebook):
    plan = plan_of(
        make_notebook,
        "def scale(v):\n    return v * factor\n\ndef twice(v):\n    return scale(v) * 2",
        "factor = 3\ny = twice(2)\nf = list(map(scale, [1]))",
    )
    assert [statements_code([d]).strip() + "\n" for d in plan.definitions] == [
        "def scale(v, *, factor):\n    return v * factor\n",
        "def twice(v, *, factor):\n    return scale(v, factor=factor) * 2\n",
    ]
    assert code_of_step(plan.steps[0]) == (
        "factor = 3\ny = twice(2, factor=factor)\nf = list(map(functools.partial(scale, factor=factor), [1]))\n"
    )


def test_a_function_shadowed_by_a_variable_is_renamed(make_notebook):
    plan = plan_of(make_notebook, "def f():\n    return 1", "a = f()", "f = 2\nb = f + a")
    assert [d.name.value for d in plan.definitions] == ["f_1"]
    assert [code_of_step(s) for s in plan.steps] == ["a = f_1()\n", "f = 2\nb = f + a\n"]
    assert [n.format() for n in plan.notes if n.kind == "renamed"] == [
        "cell 1:1: f -> f_1 (the name is bound again later)"
    ]


def test_refusals_are_located(make_notebook):
    plan = plan_of(make_notebook, "x = 1", "y = (", "z = w + 1", "class A:\n    k = x")
    assert [(p.cell, p.line, p.column, p.message) for p in plan.problems] == [
        (2, 1, 5, "syntax error: '(' was never closed"),
        (
            3,
            1,
            5,
            "`w` is read before any cell defines it (run top to bottom, the notebook fails here)",
        ),
        (4, 2, 9, "`A` reads `x` when it is defined (decorator, default or class body)"),
    ]


def test_a_notebook_in_another_language_is_refused(make_notebook):
    plan = plan_of(
        make_notebook,
        "x <- 1",
        kernelspec={"name": "ir", "language": "R", "display_name": "R"},
        language_info={"name": "R"},
    )
    assert [p.format("nb.ipynb") for p in plan.problems] == [
        "nb.ipynb: error: a r notebook: only Python notebooks can be extracted"
    ]


def test_unseeded_randomness_marks_values_nondeterministic(make_notebook):
    plan = plan_of(
        make_notebook,
        "import numpy as np\nimport random",
        "a = np.random.rand(3)\nb = a * 2\nc = 1",
        "random.seed(0)\nd = random.random()",
        "rng = np.random.default_rng()\ne = rng.normal()",
    )
    assert plan.nondeterministic == frozenset({"a", "b", "rng", "e"})
