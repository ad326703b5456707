"""What tests ask of running processes: their process tree and the addresses they listen on.
Starting them is devstack/processes.py."""

from __future__ import annotations

import os
import socket
from pathlib import Path

# Starting processes moved to devstack/; the simulator's and the platform's tests still take
# free_port from here.
from devstack.processes import free_port  # noqa: F401


def process_tree(pid: int) -> set[int]:
    """The process and every descendant (shells, Sanic's workers), from /proc."""
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    tree, todo = set(), [pid]
    while todo:
        current = todo.pop()
        if current not in tree:
            tree.add(current)
            todo.extend(children.get(current, []))
    return tree


def listening_addresses(pids: set[int]) -> set[str]:
    """The TCP addresses ("host:port") these processes listen on (what `ss -ltnp` shows),
    read from /proc: the sockets among their open files, matched in /proc/net/tcp{,6}."""
    inodes: set[str] = set()
    for pid in pids:
        try:
            for fd in Path(f"/proc/{pid}/fd").iterdir():
                target = os.readlink(fd) if fd.is_symlink() else ""
                if target.startswith("socket:["):
                    inodes.add(target[len("socket:[") : -1])
        except OSError:
            continue
    found = set()
    for table, width in (("tcp", 8), ("tcp6", 32)):
        lines = Path(f"/proc/net/{table}").read_text().splitlines()[1:]
        for line in lines:
            columns = line.split()
            if columns[3] != "0A" or columns[9] not in inodes:  # 0A: LISTEN
                continue
            address, port = columns[1].split(":")
            found.add(f"{hex_address(address, width)}:{int(port, 16)}")
    return found


def hex_address(value: str, width: int) -> str:
    """/proc/net/tcp's little-endian hex address as text ("0.0.0.0", "127.0.0.1", "::")."""
    raw = bytes.fromhex(value)
    if width == 8:
        return socket.inet_ntop(socket.AF_INET, raw[::-1])
    words = b"".join(raw[i : i + 4][::-1] for i in range(0, 16, 4))
    return socket.inet_ntop(socket.AF_INET6, words)
