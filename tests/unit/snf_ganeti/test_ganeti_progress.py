import io

from ganeti_samples import MemoryTransport

from snf_common.ganeti_events import BuildProgress, from_json
from snf_ganeti.notify import Notifier
from snf_ganeti.progress import forward, parse_event


def test_copy_progress_and_info_events():
    copy = parse_event('{"type": "image-copy-progress", "position": 50, "total": 200}', "vm", "c")
    assert isinstance(copy, BuildProgress)
    assert (copy.subtype, copy.progress, copy.instance) == ("image-copy-progress", 25.0, "vm")
    given = parse_event('{"type": "image-copy-progress", "progress": 42.5}', "vm", "c")
    assert given.progress == 42.5
    info = parse_event('{"type": "image-error", "stderr": ["disk full"]}', "vm", "c")
    assert (info.subtype, info.messages) == ("image-error", ["disk full"])
    task = parse_event('{"type": "image-helper", "subtype": "task-start", "task": "Resize"}',
                       "vm", "c")
    assert task.messages == ["task-start: Resize"]


def test_unusable_lines():
    assert parse_event("   ", "vm", "c") is None
    assert parse_event('{"type": "weird"}', "vm", "c") is None
    assert parse_event("plain text", "vm", "c").messages == ["plain text"]


def test_forward_publishes_on_progress_key(tmp_path):
    transport = MemoryTransport()
    notifier = Notifier(lambda: transport, tmp_path / "ob")
    stdin = io.StringIO('{"type": "image-copy-progress", "progress": 10}\n'
                        '{"type": "image-info", "messages": ["done"]}\n')
    assert forward(stdin, "snf-3", "cl", notifier, "snf") == 2
    keys = {key for key, _ in transport.published}
    assert keys == {"ganeti.snf.event.progress"}
    assert from_json(transport.published[1][1]).messages == ["done"]
