"""Full models (NLU and dialogue) for side-by-side runs: `make bench` and `make eval`.

- `default_config`: Rasa's default pipeline and policies (what `rasa init`'s empty config gets),
  for this assistant's domain and data;
- `project_at`: the config, domain and data of an earlier commit, to train "the model as it was";
- `train`: `rasa train` in a subprocess with an empty training cache and a timeout.
"""
from __future__ import annotations

import io
import os
import subprocess
import sys
import tarfile
import time
from pathlib import Path
from typing import Tuple

import yaml

PROJECT_DIR = Path(__file__).resolve().parent.parent
#: Shared with `make eval` when that exists; otherwise built from the installed Rasa's default.
SHARED_DEFAULT_CONFIG = PROJECT_DIR / "eval" / "default_pipeline_config.yml"
#: Rasa's default pipeline (DIET 2 x 256, 100 epochs) on the data after issue 15's rounds 2 and 3 (about
#: 5,500 examples) trained at 18 s per epoch on this 2-core machine, alone (2 Dec 00:16 UTC): about 30 min,
#: so the 900 s of before failed `make eval-outcomes`. Two hours leaves room for a loaded machine.
TRAIN_TIMEOUT = 7200.0
TRAINING_FILES = ("config.yml", "domain.yml", "data")


def rasa_default_config() -> Path:
    import rasa

    return Path(rasa.__file__).parent / "engine" / "recipes" / "config_files" / "default_config.yml"


def default_config(work: Path) -> Path:
    """Rasa's default pipeline and policies, for this assistant (written into `work`)."""
    rasa_default = yaml.safe_load(rasa_default_config().read_text(encoding="utf-8"))
    if SHARED_DEFAULT_CONFIG.exists():  # make eval's NLU pipeline; it may leave the policies out
        config = yaml.safe_load(SHARED_DEFAULT_CONFIG.read_text(encoding="utf-8"))
        config["policies"] = config.get("policies") or rasa_default["policies"]
    else:
        config = rasa_default
    config["assistant_id"] = "bliss-ldn-default-pipeline"
    path = work / "default_config.yml"
    path.write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")
    return path


def project_at(ref: str, work: Path) -> Path:
    """A folder with config.yml, domain.yml and data/ as they were at git `ref` (the spaCy pipeline linked)."""
    folder = work / f"project-{ref[:10]}"
    archive = subprocess.run(["git", "archive", ref, *TRAINING_FILES], cwd=PROJECT_DIR, capture_output=True, check=True)
    folder.mkdir(parents=True)
    with tarfile.open(fileobj=io.BytesIO(archive.stdout)) as tar:
        tar.extractall(folder)
    (folder / ".cache").mkdir()
    (folder / ".cache" / "spacy").symlink_to(PROJECT_DIR / ".cache" / "spacy")
    return folder


def train(name: str, config: Path, work: Path, project: Path = PROJECT_DIR) -> Tuple[Path, float]:
    """Train `project`'s domain and data with `config` into `work` (empty cache); the model and seconds."""
    out = work / "models"
    env = {
        **os.environ, "RASA_CACHE_DIRECTORY": str(work / f"cache-{name}"), "TF_CPP_MIN_LOG_LEVEL": "3",
        "PYTHONPATH": os.pathsep.join(filter(None, [str(PROJECT_DIR), os.environ.get("PYTHONPATH")])),
    }
    command = [sys.executable, "-m", "rasa", "train", "--config", str(config), "--domain", str(project / "domain.yml"),
               "--data", str(project / "data"), "--fixed-model-name", name, "--out", str(out), "--force"]
    log = work / f"train-{name}.log"
    started = time.perf_counter()
    with log.open("w") as handle:
        done = subprocess.run(command, cwd=project, env=env, stdout=handle, stderr=subprocess.STDOUT,
                              timeout=TRAIN_TIMEOUT, check=False)
    seconds = time.perf_counter() - started
    model = out / f"{name}.tar.gz"
    if done.returncode != 0 or not model.exists():
        raise RuntimeError(f"training {name} failed; end of {log}:\n{log.read_text()[-3000:]}")
    return model, seconds
