"""The libcst transformers of nbprod extract, one job each, with exact expected code."""

from __future__ import annotations

import ast

import libcst as cst
import pytest

from nbprod.extract.problems import Log
from nbprod.extract.transforms.cst import statements_code
from nbprod.extract.transforms.display import apply_display, display_action
from nbprod.extract.transforms.imports import render_imports, take_imports
from nbprod.extract.transforms.literals import LiftLiterals, find_literals
from nbprod.extract.transforms.magics import (
    Expander,
    requirements_of,
    translate_magics,
    wrap_in_capture,
)
from nbprod.extract.transforms.plots import finish_plot, split_plots
from nbprod.notebook.magics import python_view


def magics(source: str, names=("output_dir", "x")):
    view = python_view(source)
    log = Log()
    result = translate_magics(cst.parse_module(view.code), view, 3, log, frozenset(names))
    return result, log


@pytest.mark.parametrize(
    "source, expected, helpers",
    [
        (
            "files = !ls {output_dir}\n",
            'files = shell_lines(f"ls {output_dir}")\n',
            {"shell_lines"},
        ),
        ("!echo $x done\n", 'shell(f"echo {x} done")\n', {"shell"}),
        ("!echo $HOME '$x'\n", "shell(\"echo $HOME '$x'\")\n", {"shell"}),
        ("!awk '{print $1}' f.txt\n", "shell(\"awk '{print $1}' f.txt\")\n", {"shell"}),
        ("%time total = sum(range(10))\n", "total = sum(range(10))\n", set()),
        ("%timeit -n 20 -r 3 f(x)\n", "f(x)\n", set()),
        ("if x:\n    %cd data\ny = 1\n", "if x:\n    os.chdir('data')\ny = 1\n", set()),
        ("%cd ~/work\n", "os.chdir(os.path.expanduser('~/work'))\n", set()),
        ("%env OMP_NUM_THREADS=1\n", "os.environ['OMP_NUM_THREADS'] = '1'\n", set()),
        ("%env\nx = 1\n", "x = 1\n", set()),
        ("%matplotlib inline\nimport numpy as np\n", "import numpy as np\n", set()),
        ("if x:\n    %load_ext autoreload\n", "if x:\n    pass\n", set()),
        ("%%capture\nprint(1)\n", "print(1)\n", set()),
        ("%%time\ny = 2\n", "y = 2\n", set()),
        ("here = %pwd\n", "here = os.getcwd()\n", set()),
        ("%ls -l {output_dir}\n", 'shell(f"ls -l {output_dir}")\n', {"shell"}),
        ("cat data.csv\n", "shell('cat data.csv')\n", {"shell"}),  # automagic
    ],
)
def test_magics_become_python(source, expected, helpers):
    result, log = magics(source)
    assert result.module.code == expected
    assert result.helpers == helpers
    assert log.problems == []


def test_capture_with_a_name_wraps_the_cell_once_its_imports_are_hoisted():
    result, _ = magics("%%capture out\nimport os\nprint(1)\n")
    assert (result.capture, result.helpers) == ("out", {"capture_output"})
    module, _ = take_imports(result.module, 3)
    assert wrap_in_capture(module, "out").code == "with capture_output() as out:\n    print(1)\n"


def test_installs_become_requirements_and_are_not_executed():
    result, log = magics(
        "!pip install -q 'pandas>=2' -i https://x scikit-learn\n%pip install seaborn==0.13\n"
    )
    assert result.module.code.strip() == ""
    assert result.requirements == ["pandas>=2", "scikit-learn", "seaborn==0.13"]
    assert log.notes[0].format().startswith("cell 3:1: `!pip install")


@pytest.mark.parametrize(
    "source, line, message",
    [
        ("x = 1\nlen?\n", 2, "`len?` shows help, has no place in a pipeline"),
        ("%%bash\necho hi\n", 1, "`%%bash` runs another language"),
        ("%%sql\nSELECT 1\n", 1, "`%%sql` runs another language"),
        (
            "x = 1\n%run other.py\n",
            2,
            "`%run other.py` runs or loads another file; inline its code in the notebook",
        ),
        (
            "t = %timeit -o f()\n",
            1,
            "`%timeit -o f()` its value (a timing or profile) has no plain-Python equivalent",
        ),
        ("%who_knows\n", 1, "`%who_knows` has no faithful plain-Python translation"),
        ("x = 1\n\n%pushd /tmp\n", 3, "`%pushd /tmp` has no faithful plain-Python translation"),
        ("y = %cd /tmp\n", 1, "`%cd /tmp` cannot be used as a value"),
    ],
)
def test_untranslatable_magics_are_refused_with_their_line(source, line, message):
    result, log = magics(source)
    assert [(p.cell, p.line, p.message) for p in log.problems] == [(3, line, message)]
    assert "get_ipython" not in result.module.code


@pytest.mark.parametrize(
    "text, expected",
    [
        ("ls {output_dir}/a.csv", 'f"ls {output_dir}/a.csv"'),
        ("ls {unknown}", "'ls {unknown}'"),
        ("echo {x!r:>5}", 'f"echo {x!r:>5}"'),
        ('echo "{x}"', 'f"echo \\"{x}\\""'),
        ("cost $$5 for $x", 'f"cost $5 for {x}"'),
        ("plain text", "'plain text'"),
    ],
)
def test_ipython_variable_expansion_becomes_an_fstring(text, expected):
    assert Expander(frozenset({"output_dir", "x"}))(text) == expected


def test_requirements_of_skips_options_and_their_values():
    words = "pip install -U -r req.txt --index-url u numpy==2 'x[y]'".split()
    assert requirements_of(words) == ["numpy==2", "'x[y]'"]


@pytest.mark.parametrize(
    "expr, last, action",
    [
        ("df", True, "log"),
        ("df", False, "drop"),
        ("X.shape", True, "log"),
        ("a, b", True, "log"),
        ("df.head()", True, "drop"),
        ("df.groupby('a')['b'].mean()", True, "drop"),
        ("len(df)", True, "drop"),
        ("model.fit(X, y)", True, "keep"),
        ("print(x)", True, "keep"),
        ("df.sample(3)", True, "log"),  # shown, and it draws from the random generator
        ("df.sample(3)", False, "keep"),
        ("report.sizes()", True, "log"),
        ("train(model)", True, "keep"),
        ("plt.plot(x)", True, "keep"),
        ("ax.bar(x, y)", True, "keep"),
        ("df.to_csv('a.csv')", True, "keep"),
        ("df.sort_values('a', inplace=True)", True, "keep"),
        ("display(df)", False, "log"),
        ("display(df.head())", False, "drop"),
    ],
)
def test_display_actions(expr, last, action):
    assert display_action(ast.parse(expr, mode="eval").body, last, frozenset({"plt"})) == action


def test_display_only_expressions_are_dropped_or_logged():
    source = "df = load()\ndf.head()\n# shown\ndf.describe()\nx = 1; df.shape\nacc, auc\n"
    module, uses_logger = apply_display(cst.parse_module(source), ast.parse(source), 4, Log())
    assert module.code == "df = load()\n# shown\nx = 1\nlogger.info('acc, auc = %s', (acc, auc))\n"
    assert uses_logger


def test_plots_are_split_from_computation_and_save_their_figures():
    source = (
        "counts = df.groupby('a').size()\n"
        "counts.plot.bar()\n"
        "plt.title('Counts per a')\n"
        "plt.show()\n"
        "noise = x + np.random.normal(size=3)\n"
        "fig, ax = plt.subplots()\n"
        "for axis in [ax]:\n"
        "    axis.set_xlabel('x')\n"
    )
    aliases = {"plt": "matplotlib.pyplot", "np": "numpy"}
    parts = split_plots(cst.parse_module(source), aliases)
    assert [(p.kind, len(p.statements)) for p in parts] == [
        ("code", 1),
        ("plot", 3),
        ("code", 1),
        ("plot", 2),
    ]
    finished = finish_plot(parts[1].statements, "counts", aliases)
    assert statements_code(finished) == (
        "counts.plot.bar()\nplt.title('Counts per a')\nsave_figures(figures_dir, 'counts')\n"
    )


def test_a_drawing_statement_whose_names_are_computed_with_is_computation():
    source = "fig, ax = plt.subplots()\nwidth = ax.get_xlim()\ntotal = width[1] * 2\n"
    parts = split_plots(cst.parse_module(source), {"plt": "matplotlib.pyplot"})
    assert [p.kind for p in parts] == ["code"]


def test_imports_are_hoisted_grouped_merged_and_pruned():
    module, found = take_imports(
        cst.parse_module(
            "import numpy as np\nfrom sklearn.metrics import f1_score\nimport os, sys\nx = 1\n"
        ),
        2,
    )
    assert module.code == "x = 1\n"
    _, more = take_imports(
        cst.parse_module("from sklearn.metrics import accuracy_score\nfrom math import *\n"), 5
    )
    block = render_imports(
        [*found, *more], used={"np", "os", "f1_score", "accuracy_score"}, local=frozenset()
    )
    assert block == (
        "import os\nfrom math import *\n\n"
        "import numpy as np\nfrom sklearn.metrics import accuracy_score, f1_score"
    )


def test_a_star_import_and_names_of_the_same_module_are_two_lines():
    _, found = take_imports(cst.parse_module("from math import *\nfrom math import pi, cos\n"), 1)
    block = render_imports(found, used={"pi", "cos"})
    assert block == "from math import *\nfrom math import cos, pi"


def test_literals_are_lifted_with_one_parameter_per_value():
    source = (
        "np.random.seed(0)\n"
        "m = KMeans(random_state=0).fit(X)\n"
        "p = PCA(random_state=0)\n"
        "q = PCA(random_state=42)\n"
        "split = train_test_split(X, test_size=0.25)\n"
        "os.makedirs('out/sales', exist_ok=True)\n"
        "df.to_csv('out/sales/monthly.csv')\n"
        "raw = pd.read_csv('data/raw.csv')\n"
        "files = shell_lines('ls out/sales')\n"
    )
    module = cst.parse_module(source)
    taken: set[str] = set()

    def fresh(base):
        name, n = base, 1
        while name in taken:
            n += 1
            name = f"{base}_{n}"
        taken.add(name)
        return name

    found = find_literals([(1, module)], fresh)
    assert {n: p.value for n, p in found.params.items()} == {
        "random_state": 0,
        "random_state_2": 42,
        "test_size": 0.25,
        "seed": 0,
        "sales_dir": "out/sales",
        "raw_csv": "data/raw.csv",
    }
    assert module.visit(LiftLiterals(found)).code == (
        "np.random.seed(seed)\n"
        "m = KMeans(random_state=random_state).fit(X)\n"
        "p = PCA(random_state=random_state)\n"
        "q = PCA(random_state=random_state_2)\n"
        "split = train_test_split(X, test_size=test_size)\n"
        "os.makedirs(sales_dir, exist_ok=True)\n"
        'df.to_csv(f"{sales_dir}/monthly.csv")\n'
        "raw = pd.read_csv(raw_csv)\n"
        "files = shell_lines(f'ls {sales_dir}')\n"
    )


def test_drawing_parts_that_share_names_become_one_plot():
    source = "fig, ax = plt.subplots()\nwidth = 0.2\nfor i in range(2):\n    ax.bar([i], [i], width)\nplt.show()\n"
    parts = split_plots(cst.parse_module(source), {"plt": "matplotlib.pyplot"})
    assert [(p.kind, len(p.statements)) for p in parts] == [("plot", 4)]
