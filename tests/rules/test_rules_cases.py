"""Edge cases of the checks: what must be reported (with exact positions) and the look-alikes
that must not be (false positives found on the real corpus)."""

from __future__ import annotations

import pytest
from tests.rules.rules_helpers import cells, materialise, run_checks


def positions(code, spec, tmp_path, settings=None):
    nb = materialise(spec, tmp_path)
    return [(f.cell, f.line, f.column) for f in run_checks(nb, [code], settings)]


REPORTED = [
    # NB101 only the cell that goes back in time, not every cell after it
    (
        "NB101",
        cells(
            {"source": "a = 1", "execution_count": 9},
            {"source": "b = 2", "execution_count": 3},
            {"source": "c = 3", "execution_count": 4},
        ),
        [(2, 1, 1)],
    ),
    (
        "NB102",
        cells(
            {
                "source": "x = 1",
                "execution_count": 5,
                "outputs": [{"data": {"text/plain": "1"}, "execution_count": 4}],
            }
        ),
        [(1, 1, 1)],
    ),
    # NB103 a read before the definition in the same cell
    ("NB103", cells("print(total)\ntotal = 1"), [(1, 1, 7)]),
    ("NB104", cells("import random\nrandom.shuffle([1, 2])"), [(1, 2, 1)]),
    ("NB104", cells("import numpy as np\nrng = np.random.default_rng()"), [(1, 2, 7)]),
    ("NB104", cells("import torch\nx = torch.randn(3)"), [(1, 2, 5)]),
    (
        "NB104",
        cells("import pandas as pd\ndf = pd.DataFrame({'a': [1]})\ndf.sample(frac=0.5)"),
        [(1, 3, 1)],
    ),
    (
        "NB104",
        cells("from sklearn.model_selection import KFold\nKFold(5, shuffle=True)"),
        [(1, 2, 1)],
    ),
    ("NB105", cells("x = 1\n!pip install -q pandas==2.2"), [(1, 2, 1)]),
    ("NB106", cells("p = r'C:\\Users\\ana\\data.csv'\nq = '~/data.csv'"), [(1, 1, 5), (1, 2, 5)]),
    ("NB107", cells("!wget https://example.com/d.csv"), [(1, 1, 1)]),
    (
        "NB107",
        cells(
            "import urllib.request\n"
            "urllib.request.urlretrieve('https://example.com/d.csv', 'd.csv')"
        ),
        [(1, 2, 1)],
    ),
    ("NB108", cells("%cd ..\nx = 1"), [(1, 1, 1)]),
    (
        "NB201",
        cells(
            {
                "source": "show()",
                "execution_count": 1,
                "outputs": [{"data": {"image/png": "A" * 215_000}, "output_type": "display_data"}],
            }
        ),
        [(1, 1, 1)],
    ),
    (
        "NB202",
        cells(
            {
                "source": "boom()",
                "execution_count": 1,
                "outputs": [
                    {"name": "stderr", "text": "Traceback (most recent call last):\n  File x\n"}
                ],
            }
        ),
        [(1, 1, 1)],
    ),
    ("NB203", cells("x = 1", filename="analysis-Copy1.ipynb"), [(None, 1, 1)]),
    ("NB301", cells("results = []\ndef log(x):\n    results.append(x)"), [(1, 3, 5)]),
    ("NB302", cells("import time", "time = 5"), [(2, 1, 1)]),
    (
        "NB303",
        cells(
            {"source": "n = 1", "tags": ["parameters"]},
            "import os",
            "x = 1",
            "import sys\nprint(os, sys)",
        ),
        [(4, 1, 1)],
    ),
    (
        "NB308",
        cells(
            "a = 1\nb = 2\nc = 3\nd = 4\ne = 5\nf = 6\ng = 7",
            "z = 0\nb = 2\nc = 3\nd = 4\ne = 5\nf = 6\ng = 7",
        ),
        [(2, 2, 1)],
    ),
    ("NB309", cells("n = 0\ndef f():\n    global n\n    n = 1"), [(1, 3, 5)]),
    ("NB401", cells("x = (1,"), [(1, 1, 5)]),
    # NB402 reads inside a function body count too
    ("NB402", cells("def f():\n    return missing"), [(1, 2, 12)]),
    ("NB403", cells("try:\n    x = 1\nexcept Exception:\n    pass"), [(1, 3, 1)]),
    ("NB404", cells("def f(x={}):\n    return x"), [(1, 1, 9)]),
    ("NB405", cells("for id in range(3):\n    print(id)"), [(1, 1, 5)]),
    ("NB501", cells({"cell_type": "markdown", "source": "token: ghp_" + "a1B2" * 9}), [(1, 1, 8)]),
    ("NB503", cells("code = 'print(1)'\nexec(code)"), [(1, 2, 1)]),
    (
        "NB504",
        cells("import subprocess\nf = 'x'\nsubprocess.run(f'ls {f}', shell=True)"),
        [(1, 3, 1)],
    ),
    (
        "NB601",
        cells(
            "import pandas as pd\ndf = pd.DataFrame({'a': [1]})\n"
            "for i in range(len(df)):\n    print(df.iloc[i])"
        ),
        [(1, 3, 1)],
    ),
    ("NB602", cells("df.loc[df.a > 0]['b'] = 1"), [(1, 1, 1)]),
    ("NB701", cells("s = '" + "x" * 10001 + "'"), [(1, 1, 5)]),
    ("NB702", cells("for r in rows:\n    df.loc[len(df)] = r"), [(1, 2, 5)]),
    ("NB802", cells({"source": "import os\nx = 1", "tags": ["parameters"]}), [(1, 1, 1)]),
    ("NB803", cells("learning_rate = 0.01"), [(1, 1, 1)]),
    ("NB806", cells("from matplotlib import pyplot\npyplot.show()"), [(1, 2, 1)]),
    ("NB807", cells("%%sql\nselect 1"), [(1, 1, 1)]),
    ("NB808", cells("import getpass\npw = getpass.getpass()"), [(1, 2, 6)]),
]


@pytest.mark.parametrize("code, spec, expected", REPORTED, ids=[r[0] for r in REPORTED])
def test_reported_at(code, spec, expected, tmp_path):
    assert positions(code, spec, tmp_path) == expected


NOT_REPORTED = [
    (
        "NB101",
        cells(
            {"source": "a = 1", "execution_count": 1},
            "b = 2",
            {"source": "c = 3", "execution_count": 2},
        ),
    ),
    ("NB102", cells("a = 1", "b = 2")),  # never run at all: consistent
    ("NB102", cells({"source": "a = 1", "execution_count": 1}, "")),  # empty cells do not count
    ("NB103", cells("from math import *\nprint(pi)")),  # names from a star import
    (
        "NB104",
        cells(
            "import numpy as np\nnp.random.seed(0)\nX = np.random.rand(3)\n"
            "from sklearn.model_selection import train_test_split\n"
            "train_test_split(X)"
        ),
    ),  # np.random.seed seeds sklearn too
    ("NB104", cells("import random\nrandom.seed(1)\nrandom.random()")),
    (
        "NB104",
        cells(
            "from sklearn.mixture import GaussianMixture\n"
            "gmm = GaussianMixture(random_state=0)\ngmm.sample(10)"
        ),
    ),
    ("NB104", cells("from sklearn.model_selection import KFold\nKFold(5)")),
    ("NB106", cells("url = 'https://example.com/home/x'\n'''/home/docstring'''\np = 'data/x.csv'")),
    ("NB107", cells("import requests\nrequests.post('http://127.0.0.1:8000/predict')")),
    ("NB107", cells("import pandas as pd\npd.read_csv('data/local.csv')")),
    ("NB203", cells("x = 1", filename="copy-editing.ipynb")),
    ("NB301", cells("import numpy as np\nSCALE = 2\ndef f(x):\n    return np.sqrt(x) * SCALE")),
    ("NB302", cells("import os", "import os")),  # re-import is harmless
    ("NB303", cells("%matplotlib inline", "import os\nprint(os.sep)")),
    ("NB305", cells("import seaborn as sns", "x = 1")),  # imported for its side effects
    ("NB305", cells("import os", "print os")),  # a cell that does not parse may use it
    ("NB402", cells("%run helpers.py\nprint(helper)")),
    ("NB402", cells("print(_, __, _i2, _3, In, Out, display)")),
    ("NB403", cells("try:\n    x = 1\nexcept Exception as e:\n    print(e)")),
    ("NB501", cells("openai.api_key = 'YOUR_API_KEY'\npassword = os.environ['PW']")),
    ("NB503", cells("eval('1 + 1')")),
    (
        "NB504",
        cells(
            "import os\nos.system('ls -l')\nimport subprocess\n"
            "subprocess.run(['ls', name], shell=False)"
        ),
    ),
    ("NB601", cells("items = [1, 2]\nfor i in range(len(items)):\n    print(items[i])")),
    ("NB602", cells("metrics = {'a': {}}\nmetrics['a']['b'] = 1")),  # a nested dict
    ("NB602", cells("grid = [[0]]\ngrid[0][0] = 1")),  # a nested list
    ("NB803", cells("import matplotlib.pyplot as plt\nplt.scatter([1], [1], alpha=0.5)")),
    ("NB803", cells({"source": "n_estimators = 10", "tags": ["parameters"]})),
    (
        "NB806",
        cells(
            "import matplotlib.pyplot as plt\nplt.plot([1])\nplt.savefig('a.png')\n" "plt.show()"
        ),
    ),
    ("NB809", cells("x = 1")),
]


@pytest.mark.parametrize("code, spec", NOT_REPORTED, ids=[r[0] for r in NOT_REPORTED])
def test_not_reported(code, spec, tmp_path):
    assert positions(code, spec, tmp_path) == []


def test_options_change_thresholds(tmp_path):
    spec = cells("a = 1\nb = 2\nc = 3")
    assert positions("NB306", spec, tmp_path) == []
    assert positions("NB306", spec, tmp_path, {"NB306": {"max_lines": 2}}) == [(1, 1, 1)]


def test_non_python_notebook_gets_only_language_free_checks(tmp_path):
    spec = cells(
        "print x <- 1",
        "library(foo)",
        metadata={"kernelspec": {"name": "ir", "language": "R", "display_name": "R"}},
    )
    assert {f.code for f in run_checks(materialise(spec, tmp_path))} == {"NB804"}


def test_secret_prefilter_passes_every_plugin_example():
    from nbprod.lint.checks.security import PLUGINS, find_secrets

    samples = {
        "AWS Access Key": "key = 'AKIAIOSFODNN7EXAMPLE'",
        "GitHub Token": "t = 'ghp_" + "a1B2" * 9 + "'",
        "Slack Token": "t = 'xoxb-" + "1234567890-" * 2 + "abcdefghijklmnopqrstuvwx'",
        "Stripe Access Key": "k = 'sk_live_" + "a1B2c3D4e5" * 3 + "'",
        "Private Key": "-----BEGIN RSA PRIVATE KEY-----",
        "Basic Auth Credentials": "url = 'postgres://ana:Sup3rSecret@db/x'",
        "Secret Keyword": "db_password = 's3cr3t-Pa55word'",
        "Artifactory Credentials": 'pw = "APBxyz12345678"',
    }
    assert len(PLUGINS) >= 10
    for kind, line in samples.items():
        assert [k for _, _, k in find_secrets(line)] and kind in {
            k for _, _, k in find_secrets(line)
        }, kind


def test_secret_prefilter_skips_ordinary_words():
    """Words that merely contain a token prefix must not wake detect-secrets up."""
    from nbprod.lint.checks.security import _may_hold_secret

    assert not _may_hold_secret("with these capabilities, 'x' is fine")
    assert not _may_hold_secret("aws_secret_access_key = YOURSECRETKEY")  # no quoted value
    assert _may_hold_secret("aws_secret_access_key = 'abc'")


#: lines the keyword plugin reacts to, placeholders and real values mixed, quotes in odd places
KEYWORD_LINES = [
    'openai.api_key = "YOUR_API_KEY"',
    "credentials 'aws_access_key_id=XXX;aws_secret_access_key=XXX'",
    'password = os.environ["DB_PASSWORD"]',
    "db_password = '<password>'",
    'secret = "changeme"  # "ok"',
    "api_key = 'xxxx' + 'yyyy'",
    "{'password': 'REPLACE_ME', 'user': \"it's\"}",
    'password == "dummy-value"',
    '"my-secret-here" == password',
    "secret_key = \"ab\"'cd'",
    'password = "hunter2"',
    'db_password = "Sup3rS3cret"',
    "{'password': 'Tr0ub4dor&3'}",
    '"Tr0ub4dor3" != password',
    "secret = `hunter2`",
    'api_key = "YOUR_KEY" + "hunter2"',
]


def test_secret_lines_skipped_are_lines_detect_secrets_would_give_nothing_for():
    """Every line the placeholder shortcut skips gives no kept secret when really scanned."""
    from nbprod.lint.checks.security import _may_hold_secret, _needs_scan, scan_lines

    skipped, scanned = [], []
    for line in KEYWORD_LINES:
        assert _may_hold_secret(line.lower()), line
        (scanned if _needs_scan(line) else skipped).append(line)
    assert len(skipped) >= 6 and len(scanned) >= 6
    for line in skipped:
        assert list(scan_lines([(1, line)])) == [], line
    found = {line for line in scanned if list(scan_lines([(1, line)]))}
    assert {
        'password = "hunter2"',
        'db_password = "Sup3rS3cret"',
        "{'password': 'Tr0ub4dor&3'}",
    } <= found


def test_plain_alphanumeric_password_is_a_secret_not_a_placeholder():
    """Only capitals with an underscore (an environment variable's name) count as a placeholder."""
    from nbprod.lint.checks.security import find_secrets

    assert [k for _, _, k in find_secrets('password = "hunter2"')] == ["Secret Keyword"]
    assert [k for _, _, k in find_secrets('password = "HUNTER2"')] == ["Secret Keyword"]
    assert list(find_secrets('password = "DB_PASSWORD"')) == []


def test_placeholder_key_does_not_load_detect_secrets(tmp_path):
    """`api_key = "YOUR_API_KEY"` is common and harmless: linting it must not pay for importing
    detect-secrets (and requests)."""
    from tests.imports import imported_after

    spec = cells('import openai\nopenai.api_key = "YOUR_API_KEY"\nprint(openai)')
    path = str(materialise(spec, tmp_path).path)
    lint = (
        "from nbprod.lint.engine import lint_file\n"
        f"out = lint_file({path!r}, open({path!r}, 'rb').read(), ['NB501', 'NB502'])\n"
        "assert out.diagnostics == () and out.errors == ()"
    )
    assert imported_after(lint, ["detect_secrets", "requests"]) == []
