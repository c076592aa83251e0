"""`sopimus report …` on a fresh SQLite database, as a purchaser runs it."""

import subprocess
from pathlib import Path

from tests.reports.helpers import HML, attachment, pdf_text
from tests.test_cli import run


def test_report_commands_write_pdf_and_html(tmp_path: Path) -> None:
    db = tmp_path / "cli.db"
    assert run(["db", "upgrade"], db).returncode == 0
    assert run(["import", str(HML)], db).returncode == 0

    pdf = tmp_path / "lanula.pdf"
    made: subprocess.CompletedProcess[str] = run(
        ["report", "follow-up", "--board", "LANULA", "--period", "2015-T2", "--municipality",
         "109", "--lang", "sv", "-o", str(pdf), "--issue"], db)
    assert made.returncode == 0, made.stderr
    # Without a terminal the progress bar shows only its label.
    assert "Uppföljningsrapport 2015-T2" in made.stderr
    assert "Issued report 1: sha256" in made.stderr
    content = pdf.read_bytes()
    assert "Uppföljningsrapport" in pdf_text(content)
    assert attachment(content)["board"]["code"] == "LANULA"

    html = tmp_path / "agreement.html"
    made = run(["report", "agreement", "--agreement", "HML-LANULA-2015-OMA", "--board", "TETOLA",
                "-o", str(html)], db)
    assert made.returncode == 0, made.stderr
    assert "Terveyttä ja toimintakykyä edistävien palvelujen lautakunta" in html.read_text()

    missing = run(["report", "follow-up", "--board", "EIOLE", "--period", "2015", "-o",
                   str(tmp_path / "x.pdf")], db)
    assert missing.returncode == 2 and "no board with code EIOLE" in missing.stderr
    bad = run(["report", "follow-up", "--board", "LANULA", "--period", "2015-T5", "-o",
               str(tmp_path / "x.pdf")], db)
    assert bad.returncode == 1 and "T2" in bad.stderr
