"""The seccomp filter loaded into every sandbox: a classic-BPF program written out by hand.

Namespaces and the read-only tree are the walls; the filter takes away the system calls that
student code never needs and that attacks start from: creating processes (fork, vfork, clone
without CLONE_THREAD — a fork bomb ends at the first fork), sockets, ptrace and reading other
processes' memory, mounting and namespaces, kernel keyrings, BPF, perf, userfaultfd, io_uring,
modules and reboot. Threads stay allowed (numpy's BLAS may start them). A denied call fails
with EPERM, so Python raises an ordinary ``PermissionError`` the student can read.

Only x86-64 has a table here; elsewhere ``program()`` returns None and the sandbox runs
without the filter (the namespaces and limits still apply).
"""

from __future__ import annotations

import errno
import platform
import struct

AUDIT_ARCH_X86_64 = 0xC000003E
X32_SYSCALL_BIT = 0x40000000
CLONE_THREAD = 0x00010000

RET_ALLOW = 0x7FFF0000
RET_ERRNO = 0x00050000
RET_KILL_PROCESS = 0x80000000

# BPF opcodes (linux/bpf_common.h)
LD_W_ABS = 0x20
JEQ_K = 0x15
JGE_K = 0x35
JSET_K = 0x45
RET_K = 0x06

# x86-64 system call numbers
DENIED_X86_64 = {
    "socket": 41,
    "connect": 42,
    "accept": 43,
    "bind": 49,
    "listen": 50,
    "socketpair": 53,
    "fork": 57,
    "vfork": 58,
    "ptrace": 101,
    "syslog": 103,
    "personality": 135,
    "pivot_root": 155,
    "chroot": 161,
    "acct": 163,
    "mount": 165,
    "umount2": 166,
    "swapon": 167,
    "swapoff": 168,
    "reboot": 169,
    "iopl": 172,
    "ioperm": 173,
    "init_module": 175,
    "delete_module": 176,
    "quotactl": 179,
    "kexec_load": 246,
    "add_key": 248,
    "request_key": 249,
    "keyctl": 250,
    "unshare": 272,
    "accept4": 288,
    "perf_event_open": 298,
    "name_to_handle_at": 303,
    "open_by_handle_at": 304,
    "setns": 308,
    "process_vm_readv": 310,
    "process_vm_writev": 311,
    "kcmp": 312,
    "finit_module": 313,
    "kexec_file_load": 320,
    "bpf": 321,
    "userfaultfd": 323,
    "io_uring_setup": 425,
    "io_uring_enter": 426,
    "io_uring_register": 427,
}
CLONE = 56
CLONE3 = 435  # its flags are in memory a filter cannot read: ENOSYS makes libc use clone


def _op(code: int, k: int, jt: int = 0, jf: int = 0) -> bytes:
    return struct.pack("=HBBI", code, jt, jf, k)


def supported() -> bool:
    return platform.machine() in ("x86_64", "AMD64")


def program() -> bytes | None:
    """The filter as bytes for bubblewrap's ``--seccomp FD``, or None off x86-64."""
    if not supported():
        return None
    eperm = RET_ERRNO | errno.EPERM
    denied = sorted(DENIED_X86_64.values())
    ops = [
        _op(LD_W_ABS, 4),  # seccomp_data.arch
        _op(JEQ_K, AUDIT_ARCH_X86_64, 1, 0),
        _op(RET_K, RET_KILL_PROCESS),
        _op(LD_W_ABS, 0),  # seccomp_data.nr
        _op(JGE_K, X32_SYSCALL_BIT, 0, 1),  # the x32 ABI: another table, refused whole
        _op(RET_K, eperm),
    ]
    for nr in denied:
        ops += [_op(JEQ_K, nr, 0, 1), _op(RET_K, eperm)]
    ops += [
        _op(JEQ_K, CLONE3, 0, 1),
        _op(RET_K, RET_ERRNO | errno.ENOSYS),
        _op(JEQ_K, CLONE, 0, 3),
        _op(LD_W_ABS, 16),  # low half of args[0]: clone's flags
        _op(JSET_K, CLONE_THREAD, 1, 0),
        _op(RET_K, eperm),  # a new process
        _op(RET_K, RET_ALLOW),
    ]
    return b"".join(ops)
