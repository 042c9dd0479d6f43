import multiprocessing

from snf_common.django.project import persistent_secret


def _read(path, results):
    results.put(persistent_secret(path))


def test_processes_starting_at_once_agree_on_one_secret(tmp_path):
    path = tmp_path / "svc.secret"
    ctx = multiprocessing.get_context("fork")
    results = ctx.SimpleQueue()
    workers = [ctx.Process(target=_read, args=(path, results)) for _ in range(8)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(20)
    keys = {results.get() for _ in workers}
    assert len(keys) == 1 and len(keys.pop()) >= 32
    assert persistent_secret(path) == path.read_text().strip()
    assert [p.name for p in tmp_path.iterdir()] == ["svc.secret"]   # no temporary left
    assert oct(path.stat().st_mode & 0o777) == "0o600"
