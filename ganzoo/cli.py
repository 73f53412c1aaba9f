"""The `ganzoo` command line: a thin layer over `ganzoo.zoo`, `ganzoo.training`, `ganzoo.inference`
and `ganzoo.evaluation`.

User errors (bad config, data, entry, folder) print one line and exit with status 2.
"""

import argparse
import os
import sys

import ganzoo  # its subpackages load on first use: `list` and `--help` never import TensorFlow
from ganzoo.errors import GanzooError
from ganzoo.evaluation import catalogue


def _parser():
    parser = argparse.ArgumentParser(prog="ganzoo", description="A zoo of GANs for Keras 3.")
    parser.add_argument("--verbose", action="store_true",
                        help="show TensorFlow's start-up lines and C++ log (hidden by default)")
    commands = parser.add_subparsers(dest="command", required=True)

    commands.add_parser("list", help="list the zoo entries")

    train = commands.add_parser("train", help="train a zoo entry (or a YAML config file)")
    train.add_argument("entry", help="zoo entry name (see `ganzoo list`) or a path to a YAML config")
    train.add_argument("--epochs", type=int)
    train.add_argument("--steps-per-epoch", type=int)
    train.add_argument("--batch-size", type=int, help="minibatch per update")
    train.add_argument("--seed", type=int)
    train.add_argument("--distribution", choices=("default", "mirrored", "multi_worker_mirrored", "tpu"),
                       help="tf.distribute strategy (training.distribution): mirrored uses every device of this host; "
                            "multi_worker_mirrored the cluster in TF_CONFIG (run one process per worker)")
    train.add_argument("--tpu", metavar="ADDRESS", help="the TPU's name or grpc:// address (training.tpu_address)")
    train.add_argument("--out", help="run folder (default: runs/ENTRY); rerun into it to resume")
    train.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                       help="override a config value, e.g. --set optimizer.generator.learning_rate=1e-4")
    train.add_argument("--overwrite", action="store_true", help="replace a finished or different run in --out")
    train.add_argument("--accept-changes", action="store_true",
                       help="resume the unfinished run in --out with changed settings (logged in its changes.log)")
    train.add_argument("--quiet", action="store_true", help="no progress bar")
    train.add_argument("--no-tensorboard", action="store_true", help="do not write TensorBoard logs")
    train.add_argument("--image-every", type=int, default=200, help="steps between TensorBoard sample pictures")
    train.add_argument("--metrics-every", type=int, default=5, help="epochs between TensorBoard quality metrics")

    evaluate = commands.add_parser("evaluate", help="measure a trained model (table + JSON)")
    evaluate.add_argument("source", help="a run folder, a .keras file or a zoo entry with a pretrained model")
    evaluate.add_argument("--metrics", help="comma-separated metrics (default: those that suit the model and its "
                                            f"data); by the model's layout: {catalogue.help_text()}")
    evaluate.add_argument("--n", type=int, help="generated samples (default 2000); translation: held-out examples "
                                                "(default all; 200 per domain for tfds sets)")
    evaluate.add_argument("--mode", default="deterministic", choices=("deterministic", "paper"),
                          help="translation models: how the generator runs (see README)")
    evaluate.add_argument("--batch-size", type=int, help="translation, paper mode: images per test batch, whose "
                                                         "statistics batch norm uses (default 1, the paper's)")
    evaluate.add_argument("--seed", type=int, default=0)
    evaluate.add_argument("--truncation", type=float, metavar="PSI", help="StyleGAN2: truncation of the samples")
    evaluate.add_argument("--data", help="the data the model was trained on, when SOURCE has no config.yaml")
    evaluate.add_argument("--json", help="write the rows to this file")

    sample = commands.add_parser("sample", help="draw samples of a trained model into a PNG")
    sample.add_argument("source", help="a run folder, a .keras file or a zoo entry with a pretrained model")
    sample.add_argument("--n", type=int, default=64)
    sample.add_argument("--seed", type=int, default=0)
    sample.add_argument("--out", default="samples.png")
    sample.add_argument("--truncation", type=float, metavar="PSI",
                        help="StyleGAN2: pull w toward its mean (0: the mean image, 1: none; 0.7 is common)")
    sample.add_argument("--labels", help="class-conditional models: one class for all samples, or a comma "
                                         "list with one class per sample (default: every class in turn)")

    translate = commands.add_parser("translate", help="translate images with a pix2pix or CycleGAN model")
    translate.add_argument("source", help="a run folder, a .keras file or a zoo entry with a pretrained model")
    translate.add_argument("--input", required=True, help="an image file or a folder of images")
    translate.add_argument("--out", required=True, help="folder for the translated PNGs")
    translate.add_argument("--direction", help="CycleGAN: a_to_b (default) or b_to_a")
    translate.add_argument("--mode", default="deterministic", choices=("deterministic", "paper"),
                           help="deterministic: dropout off, moving averages (default); paper: as pix2pix at test "
                                "time, dropout on and per-image batch statistics")
    translate.add_argument("--batch-size", type=int, help="paper mode: images per test batch, whose statistics "
                                                          "batch norm uses (default 1, the paper's)")
    translate.add_argument("--size", type=int, help="resize inputs to SIZE x SIZE first (e.g. the training size)")
    export = commands.add_parser("export", help="export a trained model for deployment (SavedModel, TFLite, .keras)")
    export.add_argument("source", help="a run folder, a .keras file or a zoo entry with a pretrained model")
    export.add_argument("--format", default="saved_model", choices=("saved_model", "tflite", "keras"))
    export.add_argument("--quantize", default="none", choices=("none", "float16", "int8"),
                        help="TFLite: float16 halves the file, int8 (dynamic range) about quarters it")
    export.add_argument("--out", required=True, help="a folder (saved_model), a .tflite or .keras file, or a "
                                                     "folder to hold model.tflite / model.keras")
    export.add_argument("--truncation", type=float, metavar="PSI",
                        help="StyleGAN2: fix psi in the exported signatures (default: psi is an input)")
    export.add_argument("--batch-size", type=int, help="a fixed batch size (GPU and NNAPI delegates want static "
                                                       "shapes; default: any batch)")
    export.add_argument("--overwrite", action="store_true", help="replace an existing --out")
    return parser


def import_tensorflow_quietly():
    """Imports TensorFlow with file descriptor 2 sent to a temporary file: TensorFlow 2.21 writes its
    start-up lines (oneDNN, CUDA) there from C++ before any log level applies. They are shown if the
    import fails."""
    import tempfile

    sys.stderr.flush()
    kept = os.dup(2)
    with tempfile.TemporaryFile() as captured:
        os.dup2(captured.fileno(), 2)
        try:
            import tensorflow  # noqa: F401
        except BaseException:
            os.dup2(kept, 2)
            captured.seek(0)
            sys.stderr.write(captured.read().decode(errors="replace"))
            raise
        finally:
            os.dup2(kept, 2)
            os.close(kept)


def run(argv):
    """Runs one command; raises `GanzooError` for user errors (see `main`)."""
    args = _parser().parse_args(argv)
    if args.command != "list" and not args.verbose and "tensorflow" not in sys.modules:
        os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
        import_tensorflow_quietly()
    if args.command == "list":
        entries = ganzoo.zoo.list_models()
        width = max(map(len, entries), default=0)
        for name, description in entries.items():
            print(f"{name:<{width}}  {description}")
    elif args.command == "train":
        overrides = dict(ganzoo.zoo.parse_override(text) for text in args.set)
        if args.distribution:
            overrides["training.distribution"] = args.distribution
        if args.tpu:
            overrides["training.tpu_address"] = args.tpu
            overrides.setdefault("training.distribution", "tpu")
        run_dir = ganzoo.training.train(
            args.entry, out=args.out, overrides=overrides, overwrite=args.overwrite, accept_changes=args.accept_changes,
            epochs=args.epochs, steps_per_epoch=args.steps_per_epoch, batch_size=args.batch_size, seed=args.seed,
            verbose=0 if args.quiet else "auto", tensorboard=not args.no_tensorboard,
            image_every_steps=args.image_every, metrics_every_epochs=args.metrics_every)
        print(f"Trained {args.entry}: model, samples, backups and config in {run_dir}")
    elif args.command == "evaluate":
        rows = ganzoo.evaluation.evaluate(
            args.source, metrics=args.metrics and [m.strip() for m in args.metrics.split(",") if m.strip()],
            n=args.n, seed=args.seed,
            data=args.data, out=args.json, mode=args.mode, batch_size=args.batch_size, truncation=args.truncation)
        print(ganzoo.evaluation.format_table(rows))
    elif args.command == "sample":
        ganzoo.inference.sample(args.source, out=args.out, n=args.n, seed=args.seed,
                                labels=ganzoo.inference.parse_labels(args.labels), truncation=args.truncation)
        print(f"Wrote {args.n} samples to {args.out}")
    elif args.command == "translate":
        written = ganzoo.inference.translate(args.source, input=args.input, out=args.out, direction=args.direction,
                                 mode=args.mode, size=args.size, batch_size=args.batch_size)
        print(f"Wrote {len(written)} translated image(s) to {args.out}")
    elif args.command == "export":
        path = ganzoo.export(args.source, args.out, format=args.format, quantize=args.quantize,
                             truncation=args.truncation, batch_size=args.batch_size, overwrite=args.overwrite)
        print(f"Exported {args.source} as {args.format} to {path}")


def main(argv=None):
    try:
        run(sys.argv[1:] if argv is None else argv)
    except GanzooError as error:
        print(f"ganzoo: error: {error}", file=sys.stderr)
        return getattr(error, "exit_status", 2)
    except OSError as error:  # a disk that is full or a file that vanished mid-command: one line, not a traceback
        where = f": {error.filename}" if error.filename else ""
        print(f"ganzoo: error: {error.strerror or error}{where}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("ganzoo: interrupted; rerun the same command to resume from the newest backup", file=sys.stderr)
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
