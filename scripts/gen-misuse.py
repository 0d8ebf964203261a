#!/usr/bin/env python3
"""Generate tests/unit/misuse_generated.h from the public headers.

For every ORL_API function in include/offlinerl/*.h this writes a C function
that calls it wrongly:
  * NULL for each pointer parameter in turn, the others valid. A parameter whose
    @param text allows NULL unconditionally ("or NULL", "NULL is ignored", ...)
    only has to give a clean status; any other must give ORL_E_INVALID_ARGUMENT
    ("may be NULL when the length is 0" is tested with a non-zero length);
  * a handle of the wrong kind and a freed handle for each handle parameter
    (ORL_E_INVALID_ARGUMENT; the free functions must ignore them);
  * extreme values (0, -1, minimum, maximum, NaN, infinities) for each integer
    or floating-point parameter that is not the length of a caller array: the
    call must end in a clean status (no crash, no sanitizer report).
Every status a call returns must be in the function's documented @return list
(the table carries each list; "As orl_x()" includes orl_x's, "without #..."
removes codes).
Valid arguments come from the fixture of tests/unit/test_hard_misuse.c.
Run: scripts/gen-misuse.py  (the test checks the table against the headers and
tests/abi/symbols.txt, so a new function without a regenerated table fails).
"""
import os
import re
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
HANDLES = ["dataset", "encoder", "qnet", "genmodel", "trainer", "model", "sim", "ope_result"]
# Array lengths: never given extreme values (the caller's buffer would not match).
LENGTHS = {"n", "len", "history_len", "n_candidates", "n_histories", "count", "n_exclude"}
# Sizes of caller output buffers: only 0 is tried.
BUFFER_SIZES = {"buf_len", "n_items"}


def parse_headers():
    funcs = []
    for name in sorted(os.listdir(os.path.join(ROOT, "include/offlinerl"))):
        if not name.endswith(".h"):
            continue
        text = open(os.path.join(ROOT, "include/offlinerl", name)).read()
        for m in re.finditer(r"/\*\*((?:(?!\*/).)*)\*/\s*ORL_API\s+([^;{]*?)\b(orl_\w+)\s*\(([^)]*)\)\s*;",
                             text, re.S):
            doc, ret, fname, params = m.group(1), m.group(2).strip(), m.group(3), m.group(4)
            plist = []
            for p in [x.strip() for x in params.replace("\n", " ").split(",")]:
                if p in ("void", ""):
                    continue
                pm = re.match(r"(.*?)(\w+)$", p)
                ptype = re.sub(r"\s+", " ", pm.group(1).strip())
                ptype = re.sub(r"\s*\*", " *", ptype).replace("* *", "**").strip()
                plist.append((ptype, pm.group(2)))
            pdoc = {}
            for dm in re.finditer(r"@param(?:\[\w+\])?\s+(\w+)\s+(.*?)(?=@(?:param|return|par|since|ingroup|note|brief)\b|\Z)", doc, re.S):
                pdoc[dm.group(1)] = " ".join(dm.group(2).replace("*", " ").split())
            rm = re.search(r"@return\s+(.*?)(?=@(?:param|par|since|note|brief)\b|\Z)", doc, re.S)
            RETURNS[fname] = " ".join(rm.group(1).replace("*", " ").split()) if rm else ""
            funcs.append((fname, ret, plist, pdoc))
    return funcs


RETURNS = {}  # function -> the text of its @return


def documented(fname, seen=()):
    """The statuses a function's @return lists: its own #ORL_* codes, those of a function it
    refers to ("As orl_x()"), less those it names after "without"."""
    text = RETURNS.get(fname, "")
    codes = set()
    m = re.match(r"As (orl_\w+)\(\)", text)
    if m and m.group(1) not in seen and m.group(1) in RETURNS:
        codes |= documented(m.group(1), seen + (fname,))
    without = re.search(r"without ([^.;]*)", text)
    own = text.replace(without.group(0), "") if without else text
    codes |= set(re.findall(r"#(ORL_(?:OK|E_[A-Z_]+))", own))
    if without:
        codes -= set(re.findall(r"#(ORL_E_[A-Z_]+)", without.group(1)))
    return codes


def nullable(fname, pname, pdoc):
    if pname == "user_data":
        return True
    t = pdoc.get(pname, "")
    if "NULL" not in t:
        return False
    return not re.search(r"NULL when", t)


def handle_kind(ptype):
    m = re.match(r"(?:const )?orl_(\w+) \*$", ptype)
    return m.group(1) if m and m.group(1) in HANDLES else None


def valid_arg(fname, ptype, pname, locals_):
    """C expression of a valid argument; may add local declarations."""
    k = handle_kind(ptype)
    if k:
        if k == "dataset":
            if ptype.startswith("const") or fname == "orl_dataset_free":
                return "F->ds_final"
            return "F->ds_open"
        return "F->" + k
    m = re.match(r"orl_(\w+) \*\*$", ptype)
    if m and m.group(1) in HANDLES:
        locals_.append(("orl_%s *o_%s = NULL;" % (m.group(1), pname), "orl_%s_free(o_%s);" % (m.group(1), pname)))
        return "&o_" + pname
    if ptype in ("const orl_policy_rule *", "orl_policy_rule *"):
        locals_.append(("orl_policy_rule l_%s; orl_policy_rule_init(&l_%s);" % (pname, pname), None))
        return "&l_" + pname
    m = re.match(r"(const )?orl_(\w+_params) \*$", ptype)
    if m:
        if m.group(1):
            return "&F->%s" % m.group(2)
        locals_.append(("orl_%s l_%s;" % (m.group(2), pname), None))
        return "&l_" + pname
    m = re.match(r"orl_(load_report|dataset_stats|eval_result|sim_rollout_result|ope_estimate|display_view) \*$", ptype)
    if m:
        locals_.append(("orl_%s l_%s; memset(&l_%s, 0, sizeof l_%s); l_%s.struct_size = sizeof l_%s;"
                        % ((m.group(1),) + (pname,) * 5), None))
        return "&l_" + pname
    if ptype == "const orl_eval_result *":
        return "&F->eval"
    if ptype == "const char *":
        if pname == "path":
            if "load_csv" in fname:
                return "F->csv_path"
            if "load_jsonl" in fname:
                return "F->jsonl_path"
            if fname == "orl_model_load":
                return "F->model_path"
            if fname == "orl_dataset_load":
                return "F->ds_path"
            return "F->scratch_path"
        if pname == "key":
            # A key the function accepts on the fixture's handles (a GRU4Rec encoder has no list
            # setting: the list setter's key is valid for NextItNet only).
            return {"orl_encoder_set_int": '"window"', "orl_encoder_set_float": '"dropout"',
                    "orl_encoder_set_int_list": '"dilations"'}.get(
                        fname, '"learning_rate"' if "trainer" in fname else '"1"')
        return '"click"'
    if ptype == "const char *const *":
        return "F->str_keys"
    if ptype == "const char **":
        return "F->str_out"
    if ptype == "char *":
        return "F->text"
    if ptype == "void *" and pname == "buf":
        return "F->bytes"
    if ptype == "const void *":
        return "F->model_buf"
    if ptype == "void *":
        return "NULL"
    if ptype == "uint64_t *" and pname == "buf":
        return "F->u64s"
    if ptype == "const int64_t *":
        return "F->i64s"
    if ptype == "const int32_t *":
        return "F->codes"
    if ptype == "const float *":
        return "F->probs"
    if ptype == "const size_t *":
        return "F->offsets"
    if ptype == "int64_t *":
        return "F->i64_out"
    if ptype == "float *":
        return "F->f32_out"
    if ptype == "int32_t *" and pname.startswith("out_") and pname != "out_code":
        return "F->i32_out"  # an output array (orl_dataset_session_events)
    if ptype == "size_t *" and pname == "out_counts":
        return "F->sizes_out"  # one count per history
    for t in ("size_t", "int32_t", "uint32_t", "uint64_t", "double"):
        if ptype == t + " *":
            locals_.append(("%s l_%s = 0;" % (t, pname), None))
            return "&l_" + pname
    if ptype.endswith("_fn"):
        return {"orl_log_fn": "misuse_log", "orl_progress_fn": "misuse_progress",
                "orl_sim_policy_fn": "misuse_policy"}[ptype]
    # Scalars.
    if pname == "buf_len":
        return {"orl_dataset_session_length_histogram": "64",
                "orl_dataset_session_events": "MISUSE_ARRAY"}.get(fname, "sizeof F->text")
    if pname == "len":
        return "F->model_buf_len"
    if pname == "n_items":
        return "MISUSE_ARRAY"
    if pname == "min_level":
        return "ORL_LOG_WARN"
    if pname == "value":
        return "10" if fname == "orl_encoder_set_int" else "0.01"  # window 10: the fixture's
    if pname in ("reward", "kappa"):
        return "1.0f"
    if pname in ("k", "threads", "strict", "is_purchase", "key", "seed"):
        return "1"
    if pname in ("item_id", "user_id", "status", "head", "index", "rule", "session", "kind",
                 "session_key"):
        return "0"
    if pname in LENGTHS or pname == "n_sessions":
        return "2"
    raise SystemExit("gen-misuse: no valid value for %s %s of %s" % (ptype, pname, fname))


def extremes(ptype):
    return {
        "uint32_t": ["0", "UINT32_MAX"],
        "uint64_t": ["0", "UINT64_MAX"],
        "size_t": ["0", "SIZE_MAX"],
        "int32_t": ["INT32_MIN", "-1", "INT32_MAX"],
        "int64_t": ["INT64_MIN", "-1", "INT64_MAX"],
        "int": ["INT_MIN", "-1", "INT_MAX"],
        "float": ["NAN", "INFINITY", "-INFINITY", "-1e30f"],
        "double": ["NAN", "INFINITY", "-INFINITY", "-1e300"],
    }.get(ptype)


def emit_call(out, fname, ret, plist, override, expect, what):
    locals_ = []
    args = []
    for i, (pt, pn) in enumerate(plist):
        a = valid_arg(fname, pt, pn, locals_)
        args.append(override.get(i, a))
    out.append("    {")
    for decl, _ in locals_:
        out.append("        " + decl)
    call = "%s(%s)" % (fname, ", ".join(args))
    if ret == "int":
        out.append("        int s_ = %s;" % call)
    elif ret == "void":
        out.append("        %s;" % call)
        out.append("        int s_ = ORL_OK;")
    elif "char" in ret:
        out.append("        int s_ = %s != NULL ? ORL_OK : ORL_E_INTERNAL;" % call)
    else:
        out.append("        (void)%s;" % call)
        out.append("        int s_ = ORL_OK;")
    for decl, _ in locals_:
        v = re.search(r"\b(l_\w+|o_\w+)\b", decl).group(1)
        out.append("        (void)%s;" % v)
    outs = [f for _, f in locals_ if f]
    handles_out = ["o_%s" % pn for pt, pn in plist if re.match(r"orl_\w+ \*\*$", pt)]
    fresh = " || ".join("(o_%s != NULL && s_ != ORL_OK)" % h[2:] for h in handles_out) or "0"
    out.append('        misuse_check(F, s_, %s, %s, "%s", "%s");' % (expect, fresh, fname, what))
    for f in outs:
        out.append("        " + f)
    out.append("    }")


def main():
    funcs = parse_headers()
    out = ["/* Generated by scripts/gen-misuse.py from the public headers: do not edit. */",
           "/* clang-format off */", ""]
    names = []
    for fname, ret, plist, pdoc in funcs:
        names.append(fname)
        out.append("static void misuse_%s(misuse_fixture *F)" % fname)
        out.append("{")
        if not plist:
            emit_call(out, fname, ret, plist, {}, "MISUSE_ANY", "no arguments")
        for i, (pt, pn) in enumerate(plist):
            if "*" in pt or pt.endswith("_fn"):
                if ret == "void" or nullable(fname, pn, pdoc):
                    emit_call(out, fname, ret, plist, {i: "NULL"}, "MISUSE_ANY", "%s = NULL (allowed)" % pn)
                else:
                    emit_call(out, fname, ret, plist, {i: "NULL"}, "ORL_E_INVALID_ARGUMENT", "%s = NULL" % pn)
            m = re.match(r"const orl_(\w+_params) \*$", pt)
            if m and ret != "void":
                emit_call(out, fname, ret, plist, {i: "misuse_small_%s(F)" % m.group(1)},
                          "ORL_E_INVALID_ARGUMENT", "%s->struct_size too small" % pn)
            m = re.match(r"orl_(load_report|dataset_stats|eval_result|sim_rollout_result|ope_estimate|display_view) \*$", pt)
            if m:
                emit_call(out, fname, ret, plist, {i: "misuse_small_%s(F)" % m.group(1)},
                          "MISUSE_ANY" if nullable(fname, pn, pdoc) else "ORL_E_INVALID_ARGUMENT",
                          "%s->struct_size too small" % pn)
            k = handle_kind(pt)
            if k:
                wrong = "F->ds_final" if k != "dataset" else "F->sim"
                cast = "(%s)(void *)" % pt
                exp = "MISUSE_ANY" if ret == "void" else "ORL_E_INVALID_ARGUMENT"
                emit_call(out, fname, ret, plist, {i: cast + wrong}, exp, "%s of the wrong kind" % pn)
                emit_call(out, fname, ret, plist, {i: cast + "F->freed"}, exp, "%s already freed" % pn)
            ex = extremes(pt)
            if pn in BUFFER_SIZES:
                ex = ["0"]  # a larger size than the buffer would be the caller's lie
            if ex and pn not in LENGTHS:
                for v in ex:
                    emit_call(out, fname, ret, plist, {i: "(%s)%s" % (pt, v)}, "MISUSE_ANY", "%s = %s" % (pn, v))
        out.append("}")
        out.append("")
    # The statuses each function documents (its @return list), as a mask of -status bits; 0 for
    # functions that return no status (the sweep checks every status it sees against the mask).
    out.append("static const misuse_entry misuse_table[] = {")
    rets = {f[0]: f[1] for f in funcs}
    for n in names:
        codes = sorted(documented(n)) if rets[n] == "int" else []
        mask = " | ".join("MISUSE_DOC(%s)" % c for c in codes) or "0"
        out.append('    {"%s", misuse_%s, %s},' % (n, n, mask))
    out.append("};")
    out.append("/* clang-format on */")
    path = os.path.join(ROOT, "tests/unit/misuse_generated.h")
    open(path, "w").write("\n".join(out) + "\n")
    print("gen-misuse: %d functions -> %s" % (len(names), os.path.relpath(path, ROOT)))


if __name__ == "__main__":
    main()
