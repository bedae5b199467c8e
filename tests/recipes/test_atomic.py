"""Exports and saves are all-or-nothing: an old one survives any failure."""

import pytest

from recipes import ArgumentError, load
from recipes.atomic import atomic_directory


def test_failed_write_leaves_the_previous_directory_intact(tmp_path):
    target = tmp_path / "model"
    with atomic_directory(target) as tmp:
        (tmp / "file").write_text("old")
    with pytest.raises(RuntimeError):
        with atomic_directory(target, overwrite=True) as tmp:
            (tmp / "file").write_text("half")
            raise RuntimeError("killed midway")
    assert (target / "file").read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["model"]  # no leftovers


def test_export_interrupted_midway_keeps_the_old_export(
    fitted, exported, csvs, monkeypatch
):
    from recipes.schema import Schema

    path = exported["multiclass"]
    before = load(path).predict(csvs["multiclass"][1])

    def broken(self):  # runs after saved_model.pb is written, before assets
        raise OSError("disk full")

    monkeypatch.setattr(Schema, "to_json", broken)
    with pytest.raises(OSError, match="disk full"):
        fitted["multiclass"].export(path, overwrite=True)
    monkeypatch.undo()
    after = load(path).predict(csvs["multiclass"][1])
    assert after.equals(before)
    assert sorted(p.name for p in path.parent.iterdir()) == sorted(
        ["regression", "binary", "multiclass"]
    )


def test_destination_that_is_a_file_is_refused(tmp_path, fitted):
    file = tmp_path / "taken"
    file.write_text("keep me")
    with pytest.raises(ArgumentError, match="is a file"):
        fitted["binary"].export(file)
    assert file.read_text() == "keep me"


def test_written_directories_get_the_usual_permissions(tmp_path):
    import os

    mask = os.umask(0o022)
    try:
        with atomic_directory(tmp_path / "out") as folder:
            (folder / "file").write_text("x")
    finally:
        os.umask(mask)
    assert (tmp_path / "out").stat().st_mode & 0o777 == 0o755


def test_replacing_a_directory_never_leaves_the_path_missing(
    tmp_path, monkeypatch
):
    # issue 20, item 18: the swap was two renames, with an instant where a
    # server polling the export path found nothing. Every rename is watched.
    import os
    import sys

    target = tmp_path / "model"
    with atomic_directory(target) as tmp:
        (tmp / "file").write_text("old")
    renames, rename = [], os.rename

    def watched(src, dst, *args, **kwargs):
        renames.append((str(src), str(dst)))
        rename(src, dst, *args, **kwargs)

    monkeypatch.setattr(os, "rename", watched)
    with atomic_directory(target, overwrite=True) as tmp:
        (tmp / "file").write_text("new")
    assert (target / "file").read_text() == "new"
    assert [p.name for p in tmp_path.iterdir()] == ["model"]  # old deleted
    if sys.platform.startswith("linux"):  # renameat2 exchanges in one step
        assert str(target) not in {src for src, _ in renames}
