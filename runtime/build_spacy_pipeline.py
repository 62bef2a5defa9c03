"""Build the project's own spaCy pipeline (no model download) and save it to disk.

The pipeline is blank English plus:
- an attribute ruler that gives misspelt and brand drug names one canonical lemma
  (nlu_pipeline/drug_names.yml), and
- spaCy's lookup lemmatizer with the English table from spacy-lookups-data,
so Rasa's SpacyTokenizer hands lemmas ("effects" -> "effect", "naltraxone" -> "naltrexone")
to the count-vector featurizers.

Usage: python -m runtime.build_spacy_pipeline OUTPUT_DIR [--drug-names FILE]
"""
from __future__ import annotations

import argparse
from pathlib import Path
from typing import Dict, List

import spacy
import yaml
from spacy.language import Language

DEFAULT_DRUG_NAMES = Path(__file__).resolve().parent.parent / "nlu_pipeline" / "drug_names.yml"


def read_drug_names(path: Path) -> Dict[str, List[str]]:
    """Canonical lemma -> the spellings that should get it."""
    with path.open(encoding="utf-8") as handle:
        table = yaml.safe_load(handle) or {}
    return {str(lemma): [str(s).lower() for s in spellings] for lemma, spellings in table.items()}


def build_pipeline(drug_names: Dict[str, List[str]]) -> Language:
    nlp = spacy.blank("en")
    ruler = nlp.add_pipe("attribute_ruler")
    # overwrite=False (the default) keeps the ruler's lemmas for the drug names.
    nlp.add_pipe("lemmatizer", config={"mode": "lookup"})
    nlp.initialize()  # loads the lemma_lookup table from spacy-lookups-data; clears the ruler
    for lemma, spellings in drug_names.items():
        ruler.add(patterns=[[{"LOWER": {"IN": spellings}}]], attrs={"LEMMA": lemma})
    nlp.meta["name"] = "bliss_ldn"
    nlp.meta["description"] = "Blank English + drug-name lemmas + lookup lemmatizer (built locally)"
    return nlp


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("output_dir", type=Path)
    parser.add_argument("--drug-names", type=Path, default=DEFAULT_DRUG_NAMES)
    args = parser.parse_args()
    nlp = build_pipeline(read_drug_names(args.drug_names))
    args.output_dir.mkdir(parents=True, exist_ok=True)
    nlp.to_disk(args.output_dir)
    sample = nlp("naltraxone side efects and headaches from Narcan")
    print(f"spaCy pipeline saved to {args.output_dir}: {nlp.pipe_names}")
    print("lemmas:", " ".join(t.lemma_ for t in sample))


if __name__ == "__main__":
    main()
