"""One quick-profile reference CNN (RMSprop lr 0.001, dropout 0.5, one-hot labels) on a training subset: its test
accuracy on the first 2,000 test images, its wall and CPU seconds. The measurements behind the quick profile's CNN
reductions (docs/studies.md). Run it with one thread per process, as a study worker does:

    TF_NUM_INTRAOP_THREADS=1 TF_NUM_INTEROP_THREADS=1 OMP_NUM_THREADS=1 \
        .venv/bin/python bench/quick_cnn.py mnist --images 8000 --epochs 3 --batch 32 [--jit] [--seed 0]

Prints one JSON line.
"""

from __future__ import annotations

import argparse
import json
import os
import time

os.environ.setdefault("KERAS_BACKEND", "tensorflow")


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dataset", choices=("mnist", "fashion-mnist"))
    parser.add_argument("--images", type=int, default=8000, help="the first N training images")
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--jit", action="store_true", help="compile with XLA (Keras jit_compile)")
    parser.add_argument("--seed", type=int, default=0)
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    import keras

    from ablab.models.config import TrialConfig
    from ablab.models.layers import loss_name, make_optimizer
    from ablab.models.registry import build_model
    from ablab.train.run import load_trial_data

    config = TrialConfig(model="cnn", dataset=args.dataset, labels="onehot", optimizer="rmsprop", learning_rate=0.001,
                         batch_size=args.batch, epochs=args.epochs, train_subset=args.images, valid_subset=500,
                         test_subset=2000)
    keras.utils.set_random_seed(args.seed)
    splits = load_trial_data(config, data_dir=None)

    def onehot(labels):
        return keras.utils.to_categorical(labels, 10)

    start_s, start_cpu_s = time.perf_counter(), time.process_time()
    model = build_model(config, num_classes=10)
    model.compile(optimizer=make_optimizer(config), loss=loss_name(config), metrics=["accuracy"], jit_compile=args.jit)
    model.fit(splits.x_train[: args.images], onehot(splits.y_train[: args.images]), batch_size=args.batch,
              epochs=args.epochs, verbose=0, validation_data=(splits.x_valid[:500], onehot(splits.y_valid[:500])))
    fit_s = time.perf_counter() - start_s
    _, accuracy = model.evaluate(splits.x_test[:2000], onehot(splits.y_test[:2000]), batch_size=256, verbose=0)
    print(json.dumps({**vars(args), "test_accuracy": round(accuracy, 4), "fit_s": round(fit_s, 1),
                      "wall_s": round(time.perf_counter() - start_s, 1),
                      "cpu_s": round(time.process_time() - start_cpu_s, 1)}), flush=True)


if __name__ == "__main__":
    main()
