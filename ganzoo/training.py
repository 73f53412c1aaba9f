"""`ganzoo train`: config -> data (read once) -> model -> fit -> artefacts in a run folder.

Everything a user can get wrong (config, data, entry name, folder) is checked before the folder is
created, so a failed start leaves nothing behind. The run folder's layout is `ganzoo.run_folder`'s.
"""

from pathlib import Path

import keras

from ganzoo import held_out, images, pictures
from ganzoo.callbacks import GANTensorBoard
from ganzoo.layouts import TRANSLATION_LAYOUTS
from ganzoo.monitors import StopOnNonFiniteLoss, quality_monitor
from ganzoo.run_folder import (BACKUP_DIR, CHECKPOINT_DIR, CONFIG_FILE, HISTORY_FILE, LAST_CHECKPOINT, MODEL_FILE,
                               RECONSTRUCTIONS_FILE, SAMPLES_FILE, TENSORBOARD_DIR, prepare_run_dir,
                               write_atomically)
from ganzoo.zoo import registry
from ganzoo.zoo.config import dump_config

#: Held-out examples a translator's monitor measures; the first `PICTURE_EXAMPLES` are drawn.
MONITOR_EXAMPLES, PICTURE_EXAMPLES = 64, 8


def training_overrides(*, epochs=None, steps_per_epoch=None, batch_size=None, seed=None, overrides=None):
    """The dotted overrides that the `ganzoo train` flags stand for, merged with `overrides`."""
    merged = dict(overrides or {})
    for key, value in (("training.epochs", epochs), ("training.steps_per_epoch", steps_per_epoch),
                       ("data.batch_size", batch_size), ("training.seed", seed)):
        if value is not None:
            merged[key] = value
    return merged


def train(entry, *, out=None, overrides=None, overwrite=False, verbose="auto", tensorboard=True,
          image_every_steps=200, metrics_every_epochs=5, **flags):
    """Trains zoo entry `entry` (or a YAML config path) into the folder `out` (default
    runs/<entry>); `flags` are epochs, steps_per_epoch, batch_size, seed. TensorBoard logs go to
    out/tensorboard unless `tensorboard=False`. Returns the run folder."""
    config = registry.get_config(entry, training_overrides(overrides=overrides, **flags))
    data_config, training = config["data"], config["training"]
    source = registry.open_training_data(data_config)  # read once: shape, length and batches come from it
    model = registry.build_from_config(config, source=source)
    dataset = registry.training_dataset(config, model, source=source)
    translating = model.layout in TRANSLATION_LAYOUTS
    monitored = held_out.held_out_examples(data_config, n=MONITOR_EXAMPLES) if translating else None
    examples = monitored.head(PICTURE_EXAMPLES) if translating else None
    reference = held_out.reference_points(data_config["name"])
    reconstruction_inputs = (held_out.reconstruction_inputs(data_config["name"], model.sample_shape)
                             if model.layout == "joint" else None)
    run_dir = Path(out or Path("runs") / Path(entry).stem)
    resuming = prepare_run_dir(run_dir, config, overwrite)
    (run_dir / CHECKPOINT_DIR).mkdir(parents=True, exist_ok=True)
    if not resuming:
        write_atomically(run_dir / CONFIG_FILE, lambda path: path.write_text(dump_config(config)))
    callbacks = [
        keras.callbacks.BackupAndRestore(str(run_dir / BACKUP_DIR)),
        StopOnNonFiniteLoss(run_dir),
        keras.callbacks.ModelCheckpoint(str(run_dir / CHECKPOINT_DIR / LAST_CHECKPOINT)),
        keras.callbacks.CSVLogger(str(run_dir / HISTORY_FILE), append=True),
    ]
    if tensorboard:
        callbacks.append(GANTensorBoard(run_dir / TENSORBOARD_DIR, image_every_steps=image_every_steps,
                                        reference=reference, metrics_fn=quality_monitor(model, data_config, monitored, source.features),
                                        metrics_every_epochs=metrics_every_epochs, examples=examples))
    model.fit(dataset, epochs=training["epochs"], steps_per_epoch=training["steps_per_epoch"],
              callbacks=callbacks, verbose=verbose, shuffle=False)
    images.write_png(run_dir / SAMPLES_FILE, pictures.progress_picture(model, examples=examples, reference=reference))
    if reconstruction_inputs is not None:
        images.write_png(run_dir / RECONSTRUCTIONS_FILE, pictures.reconstruction_picture(model, reconstruction_inputs))
    write_atomically(run_dir / MODEL_FILE, model.save)
    return run_dir
