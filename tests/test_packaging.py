"""The wheel ships every data file, and an installed curator finds them."""
from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_wheel_holds_every_mapping_and_ontology_file(tmp_path: Path):
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(tmp_path), str(ROOT)],
                   check=True, capture_output=True)
    (wheel,) = tmp_path.glob("curator-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    for folder, package in (("mappings", "curator/_mappings"), ("ontologies", "curator/_ontologies")):
        files = [p for p in (ROOT / folder).rglob("*") if p.is_file() and "__pycache__" not in p.parts]
        assert files
        missing = [p.relative_to(ROOT).as_posix() for p in files if f"{package}/{p.relative_to(ROOT / folder).as_posix()}" not in names]
        assert not missing, missing
    templates = [p for p in (ROOT / "curator" / "report" / "templates").iterdir() if p.is_file()]
    assert templates
    missing = [p.name for p in templates if f"curator/report/templates/{p.name}" not in names]
    assert not missing, missing
    # Installed (unpacked) as a wheel would be: the data folders are found beside the code.
    target = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(target)
    probe = "import curator.resources as r; print(r.mappings_dir()); print(r.ontologies_dir())"
    out = subprocess.run([sys.executable, "-c", probe], cwd=tmp_path, env={"PYTHONPATH": str(target)}, capture_output=True, text=True, check=True)
    mappings, ontologies = (Path(line) for line in out.stdout.splitlines())
    assert (mappings / "identifiers.yaml").is_file() and (ontologies / "dicom" / "ps3.15-table-e1-1.json").is_file()
    assert str(target) in str(mappings)
    # ... and the templates of the HTML report: an installed curator renders it
    probe = ("import curator.report.html as h; page = h.render_html({'curator_version': '1'}); "
             "print(h.TEMPLATES); print('<section id=\"findings\">' in page)")
    out = subprocess.run([sys.executable, "-c", probe], cwd=tmp_path, env={"PYTHONPATH": str(target)}, capture_output=True, text=True, check=True)
    templates_dir, rendered = out.stdout.splitlines()
    assert str(target) in templates_dir and rendered == "True"
