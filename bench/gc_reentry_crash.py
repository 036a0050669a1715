"""Reproduction of the crash behind BENCHMARKS.md finding 2, in plain Python (no C extension).

Python 3.11 runs the cyclic garbage collector inside whichever allocation crosses its threshold.
When a new attribute name does not fit a class's shared keys, CPython 3.11 makes the object's
__dict__ from its inline values (_PyObject_StoreInstanceAttribute → make_dict_from_instance_attributes)
and allocates that dict before it marks the values as taken. If the collector runs in that
allocation and a weakref callback (or __del__) stores a new attribute on the same object, the
callback makes a second dict from the same values, whose insertion frees them; the first dict is
then installed on top, holding freed memory. SQLAlchemy's InstanceState does exactly this: its
`_cleanup` weakref callback sets `_strong_obj` on the state while `Session.close()` is setting it.

    python3.11 -m bench.gc_reentry_crash          # SIGSEGV (exit 139) on 3.11.7, at once or at exit
    PYTHONMALLOC=debug python3.11 -m bench.gc_reentry_crash
    python3.12 -m bench.gc_reentry_crash          # no crash: the collector runs only between bytecodes
    python3.11 -m bench.gc_reentry_crash --guard  # no crash: storefront/gc_guard.py's collector thread
"""

import gc
import sys
import weakref


class State:  # a plain class: its attributes live in an inline values array (3.11+)
    pass


class Junk:
    pass


def one_round(i: int) -> None:
    s = State()
    s.a = i  # a shared key: stored in the inline values

    def callback(_ref):
        s.set_by_callback = i  # no room in the shared keys: makes s.__dict__ from the values (dict 1)

    pins = [{} for _ in range(100)]  # the dict free list is empty: the next dict is a GC allocation
    gc.collect(0)  # generation 0 count: 0
    junk = Junk()  # count 1
    junk.me = junk  # a reference cycle: only the collector frees it
    ref = weakref.ref(junk, callback)  # count 2
    del junk
    # No room in the shared keys either: dict 2 is allocated from the same values (count 3 > 2), the
    # collector runs inside that allocation, frees junk and calls back; dict 1 frees the values.
    s.not_shared = i
    del ref, pins


def main(argv: list[str]) -> int:
    if "--guard" in argv:
        from storefront import gc_guard

        gc_guard.install("thread")
    filler = State()
    filler.a = 0  # "a" joins the class's shared keys first
    for n in range(40):  # then they fill up: later new names do not fit
        setattr(filler, f"k{n}", n)
    if gc.isenabled():
        gc.set_threshold(2)
    rounds = 200
    for i in range(rounds):
        one_round(i)
    print(f"no crash in {rounds} rounds on Python {sys.version.split()[0]}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
