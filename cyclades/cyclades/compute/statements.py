"""The hottest statements of the create and update paths, written once as SQL.

The dispatcher runs these for nearly every message, the API at every submission.
Through the ORM each query is built and compiled anew every time, which costs
0.3-0.8 ms of CPU, many times what the database takes to run it. Here each is a string built once per process, in SQL
that SQLite and PostgreSQL both accept, with parameters adapted as the ORM adapts them
(datetimes as the backend stores them, booleans as bound values). Everything else
stays in the ORM.
"""

from __future__ import annotations

import functools
from datetime import datetime
from typing import Any

from django.db import connection

from cyclades.compute.models import Commission, Server, ServerAction, ServerNic
from cyclades.network.models import Port
from cyclades.volume.models import Volume

# Every column of a server but its id, in the order of the UPDATE of save_server.
_SERVER_FIELDS = [f for f in Server._meta.concrete_fields if not f.primary_key]


@functools.cache
def _sql(name: str, vendor: str) -> str:
    q = connection.ops.quote_name
    server, action = q(Server._meta.db_table), q(ServerAction._meta.db_table)
    commission, volume = q(Commission._meta.db_table), q(Volume._meta.db_table)
    nic, port = q(ServerNic._meta.db_table), q(Port._meta.db_table)
    server_columns = ", ".join(f"{q(f.column)} = %s" for f in _SERVER_FIELDS)
    for_update = " FOR UPDATE" if connection.features.has_select_for_update else ""
    return {
        "lock_server": f"SELECT * FROM {server} WHERE id = %s{for_update}",
        "save_server": f"UPDATE {server} SET {server_columns} WHERE id = %s",
        "server_nics": f"SELECT * FROM {nic} WHERE server_id = %s ORDER BY {q('index')}",
        "lock_server_ports": f"SELECT * FROM {port} WHERE server_id = %s ORDER BY id"
                             f"{for_update}",
        "record_transition": (
            f"UPDATE {server} SET backend_time = %s, backend_job_id = %s, "
            f"backend_opcode = %s, backend_job_status = %s, backend_log_msg = %s, "
            f"updated = %s WHERE id = %s AND deleted = %s AND operstate <> %s "
            f"AND (backend_time IS NULL OR backend_time < %s)"),
        # The job's first entry, else the first pending/submitted entry of its task.
        "finish_action": (
            f"UPDATE {action} SET job_id = %s, status = %s, message = %s, finished = %s "
            f"WHERE id = (SELECT id FROM {action} WHERE server_id = %s AND (job_id = %s "
            f"OR (action = %s AND status IN ('pending', 'submitted'))) "
            f"ORDER BY CASE WHEN job_id = %s THEN 0 ELSE 1 END, id LIMIT 1)"),
        "undecided_commission": (
            f"SELECT id, serial, provisions FROM {commission} WHERE server_id = %s "
            f"AND action = %s AND decision = '' AND resolved = %s "
            f"ORDER BY serial LIMIT 1{for_update}"),
        "set_decision": f"UPDATE {commission} SET decision = %s WHERE id = %s",
        "submitted_server": (
            f"UPDATE {server} SET task_job_id = %s WHERE id = %s AND task = %s "
            f"AND task_job_id IS NULL"),
        # A pending entry becomes submitted; one the dispatcher already finished keeps
        # its status but learns the job id if it has none.
        "submitted_action": (
            f"UPDATE {action} SET job_id = %s, status = CASE WHEN status = 'pending' "
            f"THEN 'submitted' ELSE status END "
            f"WHERE id = %s AND (status = 'pending' OR job_id IS NULL)"),
        "submitted_commission": (
            f"UPDATE {commission} SET job_id = %s WHERE server_id = %s AND action = %s "
            f"AND job_id IS NULL AND resolved = %s"),
        "has_volumes": f"SELECT 1 FROM {volume} WHERE server_id = %s AND deleted = %s LIMIT 1",
    }[name]


def _execute(name: str, params: list[Any]) -> Any:
    cursor = connection.cursor()
    cursor.execute(_sql(name, connection.vendor), params)
    return cursor


def _datetime(value: datetime) -> Any:
    return connection.ops.adapt_datetimefield_value(value)


def lock_server(server_id: int) -> Server | None:
    """The server row, locked until the transaction ends (no joins); None if absent."""
    rows = list(Server.objects.raw(_sql("lock_server", connection.vendor), [server_id]))
    return rows[0] if rows else None


def save_server(server: Server) -> None:
    """Write every field of a server read from the database, as server.save() does
    (`updated` set to now), with an UPDATE built once."""
    values = [f.get_db_prep_save(f.pre_save(server, False), connection)
              for f in _SERVER_FIELDS]
    _execute("save_server", [*values, server.pk]).close()


def server_nics(server: Server) -> list[ServerNic]:
    return list(ServerNic.objects.raw(_sql("server_nics", connection.vendor), [server.pk]))


def lock_server_ports(server: Server) -> list[Port]:
    """The ports plugged into the server, locked until the transaction ends."""
    return list(Port.objects.raw(_sql("lock_server_ports", connection.vendor), [server.pk]))


def record_transition(server_id: int, *, event_at: datetime, job_id: int | None,
                      opcode: str, status: str, log_msg: str, now: datetime) -> bool:
    """Move the backend_* fields of a live server whose last applied event is older."""
    with _execute("record_transition", [
            _datetime(event_at), job_id, opcode, status, log_msg, _datetime(now), server_id,
            False, "DESTROYED", _datetime(event_at)]) as cursor:
        return cursor.rowcount > 0


def finish_action(server_id: int, job_id: int, task: str | None, *, status: str,
                  message: str, finished: datetime) -> bool:
    """Record a job's outcome on the action log entry it belongs to: the first entry with
    the job's id, else the first pending or submitted entry of `task` (which learns the
    job id). False when there is none."""
    with _execute("finish_action", [job_id, status, message, _datetime(finished), server_id,
                                    job_id, task, job_id]) as cursor:
        return cursor.rowcount > 0


def record_submission(server_id: int, action_id: int, action: str, job_id: int) -> None:
    """Ganeti took the job of `action`: the server's task, its action log entry and its
    undecided commission learn the job id (in the caller's transaction)."""
    _execute("submitted_server", [job_id, server_id, action]).close()
    _execute("submitted_action", [job_id, action_id]).close()
    _execute("submitted_commission", [job_id, server_id, action, False]).close()


def take_undecided_commission(server_id: int, action: str) -> Commission | None:
    """The oldest undecided, unresolved commission of the server's `action`, locked."""
    with _execute("undecided_commission", [server_id, action, False]) as cursor:
        row = cursor.fetchone()
    if row is None:
        return None
    provisions = Commission._meta.get_field("provisions").from_db_value(row[2], None,
                                                                        connection)
    return Commission(id=row[0], serial=row[1], server_id=server_id, action=action,
                      provisions=provisions, decision="", resolved=False)


def set_decision(commission: Commission, decision: str) -> None:
    _execute("set_decision", [decision, commission.id]).close()
    commission.decision = decision


def has_volumes(server_id: int) -> bool:
    """Whether any live volume is attached to (or being attached to) the server."""
    with _execute("has_volumes", [server_id, False]) as cursor:
        return cursor.fetchone() is not None
