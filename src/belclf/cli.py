"""The ``belclf`` command line. Exit codes: 0 ok, 1 failure, 2 usage."""
from __future__ import annotations

import argparse
import json
import os
import sys
import warnings
from typing import Iterator, Sequence


def _read_inputs(files: Sequence[str], command: str) -> Iterator[tuple[str, str | None, str | None]]:
    """``(name, text, error)`` for each file argument (standard input for none or '-'), in order."""
    for name in files or ["-"]:
        if name == "-":
            yield "-", sys.stdin.read(), None
        elif os.path.isdir(name):
            yield name, None, f"{name} is a folder: label a folder with: belclf label {name} --out labels.csv"
        else:
            yield _read_file(name, command)


def _read_file(name: str, command: str) -> tuple[str, str | None, str | None]:
    from .archive import read_text_file

    try:
        text, encoding = read_text_file(name)
    except OSError as exc:
        return name, None, f"{name}: {exc.strerror or exc}"
    except ValueError as exc:
        return name, None, f"{name}: {exc}"
    if encoding != "utf-8":
        print(f"belclf {command}: note: {name} is not UTF-8; read it as {encoding}", file=sys.stderr)
    return name, text, None


def cmd_classify(args: argparse.Namespace) -> int:
    import belclf

    model = belclf.load(args.model)
    failed = 0
    for name, text, error in _read_inputs(args.files, "classify"):  # one file at a time: output comes as it goes
        if error is not None:
            failed += 1
            print(f"belclf classify: error: {error}", file=sys.stderr)
            if args.json:
                print(json.dumps({"input": name, "error": error}, ensure_ascii=False))
            continue
        prediction = model.classify(text, explain=args.explain)
        if args.json:
            print(json.dumps({"input": name, **prediction.to_dict()}, ensure_ascii=False))
        else:
            scores = " ".join(f"{l}={prediction.scores[l]:.2f}" for l in model.labels)
            print(f"{name}\t{','.join(prediction.labels) or '-'}\t{scores}")
            if prediction.note:
                print(f"    note: {prediction.note}")
            for label, items in (prediction.evidence or {}).items():
                for item in items:
                    print(f"    {label} {item.score:.2f}: {item.sentence}")
    return 1 if failed else 0


# `belclf train` options that set a Classifier parameter of the same name (None: not given)
TRAIN_PARAMS = ("backend", "C", "min_df", "embedding_weight", "encoder", "encoder_layers", "encoder_int8", "clean",
                "actors", "languages", "seed")


def cmd_train(args: argparse.Namespace) -> int:
    import belclf

    from .models import tier_params

    labels = [l.strip() for l in args.labels.split(",")] if args.labels else None
    params = tier_params(args.tier) if args.tier else {}
    params.update({name: getattr(args, name) for name in TRAIN_PARAMS if getattr(args, name) is not None})
    params.setdefault("backend", "tfidf")
    if isinstance(params.get("languages"), str):  # "en,de", or "any" for None
        params["languages"] = None if params["languages"] == "any" else [l.strip() for l in params["languages"].split(",")]
    shown = " ".join(f"{k}={v}" for k, v in params.items())
    print(f"training with {shown}" + (f" (tier {args.tier}, then the options given)" if args.tier else ""),
          file=sys.stderr)
    try:
        classifier = belclf.train(
            args.data, labels, output=args.out, overwrite=args.force, min_positives=args.min_positives,
            text_column=args.text_column, label_column=args.label_column, progress=not args.quiet, **params,
        )
    except FileExistsError as exc:  # a usage error: nothing was trained
        print(f"belclf train: error: {exc}", file=sys.stderr)
        return 2
    from .metrics import format_report

    for split, report in classifier.card["metrics"].items():
        print(f"{split} ({report['n']} texts)\n{format_report(report)}\n")
    print(f"saved to {args.out}")
    return 0


def cmd_evaluate(args: argparse.Namespace) -> int:
    import belclf

    from .metrics import format_report

    report = belclf.evaluate_model(belclf.load(args.model), args.data, text_column=args.text_column,
                                   label_column=args.label_column)
    print(json.dumps(report, indent=2) if args.json else format_report(report))
    return 0


def cmd_info(args: argparse.Namespace) -> int:
    import belclf

    from .models import model_id, resolve

    model = belclf.load(args.model)
    if args.json:
        print(json.dumps(model.card, indent=2))
        return 0
    card, params = model.card, model.get_params()
    print(f"model       {model_id(args.model)[0]}  ({resolve(args.model)})")
    print(f"labels      {', '.join(model.labels)}")
    print(f"thresholds  {'  '.join(f'{l} {t:.2f}' for l, t in zip(model.labels, model.thresholds))}")
    gate = f"relevance gate at {model.gate.threshold:.2f}" if model.gate is not None else "no relevance gate"
    print(f"backend     {params['backend']} (C={params['C']:g}); {gate}")
    data = card.get("data", {})
    if data:
        counts = data.get("counts", {})
        sizes = ", ".join(f"{counts[s]['_total']} {s}" for s in ("train", "dev", "test") if s in counts)
        print(f"trained     {card.get('created', '?')} on {data.get('source', '?')} ({sizes} texts)")
    for split, report in card.get("metrics", {}).items():
        print(f"{split:<11} macro F1 {report['macro_f1']:.3f}, micro F1 {report['micro_f1']:.3f} ({report['n']} texts)")
    print(f"the whole card: belclf info --model {args.model} --json")
    return 0


def cmd_label(args: argparse.Namespace) -> int:
    from .archive import label_archive

    summary = label_archive(args.archive, args.out, model=args.model, text_column=args.text_column,
                            id_column=args.id_column, date_column=args.date_column, workers=args.workers,
                            resume=args.resume, explain=args.explain, batch_size=args.batch_size,
                            progress=not args.quiet)
    print(json.dumps(summary), file=sys.stderr)
    return 0


def cmd_actors(args: argparse.Namespace) -> int:
    from .actors import ActorDictionary

    dictionary = ActorDictionary.load(*args.dictionary)
    failed = 0
    for name, text, error in _read_inputs(args.files, "actors"):
        if error is not None:
            failed += 1
            print(f"belclf actors: error: {error}", file=sys.stderr)
            continue
        for m in dictionary.find(text):
            print(json.dumps({"input": name, "actor": m.actor, "name": m.name, "bloc": m.bloc, "start": m.start,
                              "end": m.end, "text": text[m.start:m.end]}, ensure_ascii=False) if args.json
                  else f"{name}\t{m.bloc}\t{m.name}\t{text[m.start:m.end]!r} at {m.start}")
    return 1 if failed else 0


def cmd_report(args: argparse.Namespace) -> int:
    from .report import write_report

    write_report(args.labelled, args.html)
    print(f"wrote {args.html}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="belclf", description="Label articles about Belarus by theme and direction.")
    parser.add_argument("--version", action="version", version=f"belclf {__import__('belclf').__version__}")
    sub = parser.add_subparsers(dest="command", required=True)
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--verbose", action="store_true",
                        help="show the log lines and progress bars of the libraries belclf uses")

    def command(name: str, help: str) -> argparse.ArgumentParser:  # every command takes --verbose
        return sub.add_parser(name, help=help, parents=[common])

    def model_option(p: argparse.ArgumentParser) -> None:
        p.add_argument("--model", default="default", help="bundled tier (default, tfidf, accurate) or model dir")

    def column_options(p: argparse.ArgumentParser) -> None:
        p.add_argument("--text-column", default="text", help="column holding the text (default: text)")
        p.add_argument("--label-column", default="labels", help="column holding the labels (default: labels)")

    p = command("classify", "label texts given as files or on standard input")
    p.add_argument("files", nargs="*", help="text files; none or '-' reads standard input")
    model_option(p)
    p.add_argument("--json", action="store_true", help="one JSON object per input")
    p.add_argument("--explain", action="store_true", help="show the sentences that support each label")
    p.set_defaults(func=cmd_classify)

    p = command("train", "train a model on labelled data (JSONL, CSV, Parquet, saved dataset)")
    p.add_argument("data", help="labelled data: columns text, labels and optionally split")
    p.add_argument("--out", required=True, help="directory to save the model to")
    p.add_argument("--labels", help="comma-separated labels to learn (default: those in the data)")
    p.add_argument("--force", action="store_true", help="replace a model already at --out")
    p.add_argument("--min-positives", type=int, default=5, help="fewest positive training texts per label")
    p.add_argument("--quiet", action="store_true", help="no progress bars")
    column_options(p)
    g = p.add_argument_group("model settings", "Classifier parameters (see help(belclf.Classifier)). Each option "
                             "given overrides --tier's setting; without --tier, the Classifier's defaults apply.")
    from .models import TIERS

    g.add_argument("--tier", choices=list(TIERS),
                   help="start from the settings a bundled tier was trained with (read from its model.json); "
                        "'belclf train training/data/corpus.jsonl --tier tfidf' rebuilds that tier")
    g.add_argument("--backend", help="feature blocks joined by '+': tfidf, static, transformer (default: tfidf)")
    g.add_argument("--C", type=float, help="inverse regularisation of each label's logistic regression (default: 10)")
    g.add_argument("--min-df", type=int, help="fewest training texts a TF-IDF term must occur in (default: 2)")
    g.add_argument("--embedding-weight", type=float, help="scale of the static or transformer block (default: 1)")
    g.add_argument("--encoder", help="local encoder folder for the transformer backend (default: all-MiniLM-L6-v2)")
    g.add_argument("--encoder-layers", type=int, help="use only the encoder's first N layers (default: all)")
    g.add_argument("--encoder-int8", action=argparse.BooleanOptionalAction, default=None,
                   help="int8 encoder: faster (default: off)")
    g.add_argument("--clean", action=argparse.BooleanOptionalAction, default=None,
                   help="apply belclf.clean to texts before featurising (default: on)")
    g.add_argument("--actors", metavar="PATH", help="an actor dictionary of your own (JSON) to merge into the bundled one")
    g.add_argument("--no-actors", dest="actors", action="store_const", const=False, help="no actor features")
    g.add_argument("--languages", help="languages the model reads, e.g. 'en' or 'en,de'; 'any' to label every text "
                                       "(default: en)")
    g.add_argument("--seed", type=int, help="seed of the split, folds and solvers (default: 0)")
    p.set_defaults(func=cmd_train)

    p = command("evaluate", "precision, recall and F1 of a model on labelled data")
    p.add_argument("data", help="labelled data: columns text and labels")
    model_option(p)
    p.add_argument("--json", action="store_true", help="machine-readable output")
    column_options(p)
    p.set_defaults(func=cmd_evaluate)

    p = command("info", "a short summary of a model (--json: its whole card)")
    model_option(p)
    p.add_argument("--json", action="store_true", help="the model card as JSON")
    p.set_defaults(func=cmd_info)

    p = command("label", "label an archive: a folder, a JSONL/CSV/Parquet file or a saved dataset")
    p.add_argument("archive", help="folder (.txt, .md, .html, recursively), .jsonl, .csv, .parquet or dataset dir")
    p.add_argument("--out", required=True,
                   help="output table: .jsonl, .csv, .parquet, or a folder name without a suffix (a saved dataset)")
    model_option(p)
    p.add_argument("--text-column", default="text", help="text column of a table archive (default: text)")
    p.add_argument("--id-column", default=None, help="id column of a table archive (default: row number)")
    p.add_argument("--date-column", default=None,
                   help="date column of a table archive, for the report (default: the date in the page)")
    p.add_argument("--workers", type=int, default=1, help="worker processes (default: 1)")
    p.add_argument("--batch-size", type=int, default=256)
    p.add_argument("--resume", action="store_true", help="continue an interrupted run into the same --out")
    p.add_argument("--explain", action="store_true", help="add evidence sentences per label")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=cmd_label)

    p = command("actors", "list the actors (Belarus, West, Russia, others) found in texts")
    p.add_argument("files", nargs="*", help="text files; none or '-' reads standard input")
    p.add_argument("--dictionary", nargs="*", default=[], help="actor dictionaries of your own to merge in")
    p.add_argument("--json", action="store_true", help="one JSON object per mention")
    p.set_defaults(func=cmd_actors)

    p = command("report", "an HTML report of a labelled archive")
    p.add_argument("labelled", help="output of 'belclf label' (.jsonl, .csv or .parquet)")
    p.add_argument("--html", required=True, help="report file to write")
    p.set_defaults(func=cmd_report)
    return parser


def _quiet_libraries(verbose: bool) -> None:
    """Without --verbose, silence the progress bars, log lines and warnings of third-party libraries."""
    import logging

    from .tables import InputWarning

    warnings.showwarning = lambda message, *_: print(f"belclf: warning: {message}", file=sys.stderr)  # one line
    if verbose:
        logging.basicConfig(level=logging.INFO)
        return
    for variable in ("HF_HUB_DISABLE_PROGRESS_BARS", "HF_DATASETS_DISABLE_PROGRESS_BARS"):
        os.environ.setdefault(variable, "1")  # read by transformers and datasets when they are imported
    os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
    logging.disable(logging.WARNING)
    warnings.filterwarnings("ignore")
    warnings.filterwarnings("default", category=InputWarning)  # belclf's own warnings stay


def main(argv: Sequence[str] | None = None) -> int:
    from .tables import ColumnError

    parser = build_parser()
    args = parser.parse_args(argv)  # exits 2 on usage errors
    _quiet_libraries(args.verbose)
    try:
        code = args.func(args)
        sys.stdout.flush()  # a closed pipe shows here, not at exit
        return code
    except BrokenPipeError:  # `belclf info | head -1`: the reader left; end quietly
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
    except ColumnError as exc:  # a wrong --text-column etc. is a usage error
        print(f"belclf {args.command}: error: {exc}", file=sys.stderr)
        return 2
    except (OSError, ValueError, TypeError, ImportError) as exc:  # DataError and ModelError are ValueErrors
        print(f"belclf {args.command}: error: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
