"""The server's CPU time, read from /proc: gunicorn's workers, and on PostgreSQL the backends serving them.

A process's CPU time is utime + stime, fields 14 and 15 of /proc/<pid>/stat, in clock ticks
(``os.sysconf("SC_CLK_TCK")``, usually 100 a second). A snapshot maps (pid, start time) to ticks, so that a
pid reused by another process is never subtracted from the wrong one; the CPU of a load is the difference
between the snapshots taken before and after it (``ticks_between``).
"""

import os
from dataclasses import dataclass
from pathlib import Path

PROC = Path("/proc")
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


@dataclass(frozen=True)
class ProcStat:
    pid: int
    ppid: int
    utime: int
    stime: int
    starttime: int

    @property
    def ticks(self):
        return self.utime + self.stime


def parse_stat(line):
    """The fields of one /proc/<pid>/stat line the bench uses. The command name (field 2) is in parentheses
    and may itself hold spaces and parentheses: the fields after it are counted from its last ")"."""
    head, sep, rest = line.rpartition(")")
    if not sep:
        raise ValueError(f"not a /proc/<pid>/stat line: {line[:80]!r}")
    pid = int(head.split("(", 1)[0])
    fields = rest.split()  # fields[0] is field 3 (state)
    return ProcStat(
        pid=pid,
        ppid=int(fields[1]),  # field 4
        utime=int(fields[11]),  # field 14
        stime=int(fields[12]),  # field 15
        starttime=int(fields[19]),  # field 22
    )


def read_stat(pid, proc=PROC):
    """The ProcStat of ``pid``, or None when the process is gone."""
    try:
        return parse_stat((proc / str(pid) / "stat").read_text())
    except (FileNotFoundError, ProcessLookupError):
        return None


def children(pid, proc=PROC):
    """The pids of the processes ``pid`` started: from /proc/<pid>/task/<pid>/children when the kernel has
    it, else by reading the parent pid of every process."""
    try:
        return [int(child) for child in (proc / str(pid) / "task" / str(pid) / "children").read_text().split()]
    except FileNotFoundError:
        pass
    found = []
    for entry in proc.iterdir():
        if entry.name.isdigit():
            stat = read_stat(entry.name, proc)
            if stat is not None and stat.ppid == pid:
                found.append(stat.pid)
    return found


def snapshot(pids, proc=PROC):
    """{(pid, start time): CPU ticks} of the processes of ``pids`` still running."""
    taken = {}
    for pid in pids:
        stat = read_stat(pid, proc)
        if stat is not None:
            taken[(stat.pid, stat.starttime)] = stat.ticks
    return taken


def ticks_between(before, after):
    """The CPU ticks the processes spent between two snapshots. A process started in between counts from its
    start (all of its ticks); one that ended in between is lost (its last ticks cannot be read)."""
    return sum(ticks - before.get(key, 0) for key, ticks in after.items())


def ticks_to_ms(ticks):
    return ticks * 1000 / CLOCK_TICKS


class CpuMeter:
    """Snapshots of the CPU of gunicorn's workers (the children of its master, looked up again at every
    snapshot) and, with ``backend_pids`` (a callable returning pids), of the PostgreSQL backends serving them."""

    def __init__(self, master_pid, backend_pids=None, proc=PROC):
        self.master_pid = master_pid
        self.backend_pids = backend_pids
        self.proc = proc

    def take(self):
        workers = children(self.master_pid, self.proc)
        backends = self.backend_pids() if self.backend_pids else []
        return {"app": snapshot(workers, self.proc), "db": snapshot(backends, self.proc)}

    @staticmethod
    def spent(before, after):
        """{"app": ticks, "db": ticks} spent between two ``take()``s."""
        return {part: ticks_between(before[part], after[part]) for part in ("app", "db")}
