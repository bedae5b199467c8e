"""recipes.distributed: two worker processes train like one process.

The workers run `keras-recipes train --distributed` on localhost with their
TF_CONFIG; the reference runs the same loop in this process with
TensorFlow's default (one-replica) strategy. Sharding each global batch
between the workers makes the two mathematically the same training, so the
exported predictions agree up to float rounding. A streamed file is
sharded by row number instead; its test checks that the workers finish and
the chief's model learned.
"""

import json
import os
import socket
import subprocess
import sys

import numpy as np
import pytest
import tensorflow as tf

from recipes import BinaryClassification, load
from tests.conftest import ROOT

EPOCHS = 4


def _free_ports(count: int) -> list[int]:
    sockets = [socket.socket() for _ in range(count)]
    for s in sockets:
        s.bind(("localhost", 0))
    ports = [s.getsockname()[1] for s in sockets]
    for s in sockets:
        s.close()
    return ports


def _two_workers(train, test, folder, *extra) -> tuple[dict, dict]:
    """Runs `train --distributed` as 2 workers; their JSON answers."""
    cluster = {"worker": [f"localhost:{p}" for p in _free_ports(2)]}
    workers = []
    for index in range(2):
        config = {
            "cluster": cluster,
            "task": {"type": "worker", "index": index},
        }
        env = {**os.environ, "TF_CONFIG": json.dumps(config)}
        command = [sys.executable, "-m", "recipes", "train", str(train)]
        command += ["--target", "y", "--distributed", "--ensemble", "1"]
        command += ["--epochs", str(EPOCHS), "--test", str(test), *extra]
        command += ["--export", str(folder / f"export{index}")]
        workers.append(
            subprocess.Popen(
                command,
                env=env,
                cwd=ROOT,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
        )
    outputs = [w.communicate(timeout=600) for w in workers]
    for worker, (_, err) in zip(workers, outputs, strict=True):
        assert worker.returncode == 0, err[-3000:]
    chief, other = (json.loads(out) for out, _ in outputs)
    assert "test" in chief and other["worker"] == 1 and "test" not in other
    assert (folder / "export0" / "saved_model.pb").is_file()
    assert not (folder / "export1").exists()  # only the chief writes
    return chief, other


def test_two_workers_export_what_one_process_trains(csvs, tmp_path):
    train, test = csvs["binary"]
    chief, _ = _two_workers(train, test, tmp_path)

    reference = BinaryClassification(target="y", epochs=EPOCHS, ensemble=1)
    reference.fit(train, strategy=tf.distribute.get_strategy())
    served = load(tmp_path / "export0").predict(test)
    expected = reference.predict(test)
    np.testing.assert_allclose(
        served["proba_yes"], expected["proba_yes"], atol=1e-4
    )
    assert chief["test"]["roc_auc"] > 0.8


def test_two_workers_train_on_their_shards_of_a_stream(csvs, tmp_path):
    """Streamed: each worker trains on its rows (row number modulo 2)."""
    train, test = csvs["binary"]
    chief, _ = _two_workers(train, test, tmp_path, "--stream", "--epochs", "40")
    assert chief["test"]["roc_auc"] > 0.8


@pytest.mark.parametrize("pipelines, replicas", [(1, 2), (2, 4), (3, 6)])
def test_workers_with_several_replicas_share_every_batch_whole(
    pipelines, replicas
):
    """Each epoch's global batches are split over the input pipelines
    (workers) and each worker's share over its replicas: together they
    hold every row of every full batch once (issue 20, item 13)."""
    from recipes.distributed import arrays

    rows, batch = 250, 24
    x = np.arange(rows, dtype="f4")[:, None]
    batches = arrays(x, np.zeros(rows, "f4"), None, seed=0)
    seen = []
    for pipeline in range(pipelines):
        context = tf.distribute.InputContext(pipelines, pipeline, replicas)
        shares = [b[0].numpy()[:, 0] for b in batches(context, 0, batch)]
        # one batch per replica of this worker per step, of its share
        assert {len(s) for s in shares} == {batch // replicas}
        assert len(shares) == rows // batch * (replicas // pipelines)
        seen.append(np.concatenate(shares))
    seen = np.concatenate(seen).astype(int)
    assert len(seen) == rows // batch * batch
    assert len(set(seen)) == len(seen)  # no row twice, none of a batch lost
