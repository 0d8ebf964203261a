#!/usr/bin/env python3
"""Check the layering of lib/ on the built objects (DESIGN.md section 2).

Reads the defined and undefined global symbols of every object of the library
(nm) and fails when a folder of lib/ uses a symbol defined in a folder it may
not use. Includes alone miss such uses: a lower layer can call a function of a
higher one through a public header (data/ calling an orl_* function of api/).

The order, lowest first (a folder may use every folder on a lower level):
  core
  nn, data, io
  models
  sim, algos, eval
  train            (the training loop; the folder may not exist yet)
  api
Within a level, a folder may use only the folders SAME_LEVEL lists for it:
nn, data and io are independent of each other, and so are sim, algos and eval.

Usage: scripts/check-layers.py [--nm NM] [--lib LIBDIR] [--graph] OBJECTS...
  OBJECTS are CMake's object directory of the library, for example
  build/lib/CMakeFiles/offlinerl_objects.dir (data/dataset.c.o there is
  lib/data/dataset.c), or object files (ctest passes $<TARGET_OBJECTS:...>, a
  ;-separated list). Objects whose source no longer exists under LIBDIR
  (default: lib/ beside this script) are stale leftovers of moved files and are
  skipped. --graph prints which folder uses which.
Exit status: 0 when clean, 1 on violations, 2 on usage or tool errors.
"""
import argparse
import os
import subprocess
import sys

LEVELS = [
    ["core"],
    ["nn", "data", "io"],
    ["models"],
    ["sim", "algos", "eval"],
    ["train"],
    ["api"],
]
# Which folder may use which folder of its own level. Empty: independent.
SAME_LEVEL = {
    "nn": set(),
    "data": set(),
    "io": set(),
    "sim": set(),
    "algos": set(),
    "eval": set(),
}

LEVEL_OF = {folder: i for i, level in enumerate(LEVELS) for folder in level}
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def die(message):
    print("check-layers: " + message, file=sys.stderr)
    sys.exit(2)


def may_use(user, owner):
    if user == owner:
        return True
    if user not in LEVEL_OF or owner not in LEVEL_OF:
        return False  # a folder missing from LEVELS must be placed first
    lu, lo = LEVEL_OF[user], LEVEL_OF[owner]
    return lo < lu or (lo == lu and owner in SAME_LEVEL.get(user, set()))


def lib_sources(libdir):
    """Every .c file under lib/, relative to it ("data/dataset.c")."""
    sources = []
    for dirpath, dirnames, filenames in os.walk(libdir):
        for name in filenames:
            if name.endswith(".c"):
                sources.append(os.path.relpath(os.path.join(dirpath, name), libdir))
    return sources


def find_objects(args, libdir):
    """(source path "lib/...", object path) pairs. An object is matched to the source whose path
    ends its name (CMake writes lib/X/f.c to <objdir>/X/f.c.o); an object without a source is a
    stale leftover of a moved file and is skipped."""
    paths = []
    for arg in args:
        for path in arg.split(";"):  # $<TARGET_OBJECTS:...> arrives as one ;-list
            if os.path.isdir(path):
                for dirpath, dirnames, filenames in os.walk(path):
                    paths.extend(os.path.join(dirpath, n) for n in filenames if n.endswith(".o"))
            elif path.endswith(".o") and os.path.isfile(path):
                paths.append(path)
            elif path:
                die("no such object directory or object: %s" % path)
    sources = sorted(lib_sources(libdir), key=len, reverse=True)  # longest match first
    objects = []
    for obj in sorted(paths):
        stem = "/" + os.path.abspath(obj)[:-2].replace(os.sep, "/")
        src = next((s for s in sources if stem.endswith("/" + s.replace(os.sep, "/"))), None)
        if src is None:
            print("check-layers: skipping %s (no source under %s: stale)" % (obj, libdir),
                  file=sys.stderr)
            continue
        objects.append(("lib/" + src.replace(os.sep, "/"), obj))
    return objects


def read_symbols(nm, objs):
    """{object: (defined global symbols, undefined symbols)}, from one nm run per 256 objects."""
    table = {obj: (set(), set()) for obj in objs}
    for i in range(0, len(objs), 256):
        chunk = objs[i:i + 256]
        try:
            out = subprocess.run([nm, "-A", "-P"] + chunk, check=True, capture_output=True,
                                 text=True).stdout
        except (OSError, subprocess.CalledProcessError) as e:
            die("%s -A -P failed: %s" % (nm, e))
        current = chunk[0]
        for line in out.splitlines():
            if not line.startswith(current + ": "):
                current = next((o for o in chunk if line.startswith(o + ": ")), None)
                if current is None:
                    die("cannot read nm line: %s" % line)
            fields = line[len(current) + 2:].split()
            if len(fields) < 2:
                continue
            name, kind = fields[0], fields[1]
            defined, undefined = table[current]
            if kind == "U":
                undefined.add(name)
            elif kind.isupper():  # global: text, data, bss, read-only, common, weak
                defined.add(name)
    return table


def folder_of(src):
    return src.split("/")[1]  # lib/<folder>/...


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("paths", nargs="+", metavar="OBJECTS")
    ap.add_argument("--nm", default="nm")
    ap.add_argument("--lib", default=os.path.join(ROOT, "lib"))
    ap.add_argument("--graph", action="store_true", help="print which folder uses which")
    args = ap.parse_args()

    objects = find_objects(args.paths, args.lib)
    if not objects:
        die("no objects found in %s" % " ".join(args.paths))

    owner = {}  # symbol -> source that defines it
    uses = []  # (source, symbol)
    table = read_symbols(args.nm, [obj for _, obj in objects])
    for src, obj in objects:
        defined, undefined = table[obj]
        for name in defined:
            owner.setdefault(name, src)
        uses.extend((src, name) for name in sorted(undefined))

    unknown = sorted({folder_of(src) for src, _ in objects} - set(LEVEL_OF))
    violations = []
    graph = {}
    for src, name in uses:
        if name not in owner:
            continue  # libc, BLAS, zlib, ...
        user, own = folder_of(src), folder_of(owner[name])
        if user != own:
            graph.setdefault(user, set()).add(own)
        if not may_use(user, own):
            violations.append("%s uses %s defined in %s" % (src, name, owner[name]))

    if args.graph:
        for user in sorted(graph, key=lambda f: (LEVEL_OF.get(f, len(LEVELS)), f)):
            print("%s -> %s" % (user, ", ".join(sorted(graph[user]))))
    for folder in unknown:
        print("lib/%s/ is not in the layer order of scripts/check-layers.py" % folder)
    for v in violations:
        print(v)
    if violations or unknown:
        print("check-layers: %d violation(s) over %d objects" % (len(violations) + len(unknown),
                                                                 len(objects)))
        return 1
    print("check-layers: %d objects, %d folders, layering clean" %
          (len(objects), len({folder_of(src) for src, _ in objects})))
    return 0


if __name__ == "__main__":
    sys.exit(main())
