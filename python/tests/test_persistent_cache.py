"""`mo.persistent_cache` keeps results in verified files under the
notebook's `__weir__/cache/` (docs/persistence.md, "persistent_cache").
Each run is a fresh interpreter, as a new worker would be, on real files."""

import glob
import json
import os
import shutil
import subprocess
import sys
import tempfile
import textwrap
import unittest

PYTHON_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

SCRIPT = textwrap.dedent(
    """
    import json, os, sys
    from weir import _mohook
    _mohook.install("worker")
    import marimo as mo

    factor = int(os.environ.get("FACTOR", "2"))

    @mo.persistent_cache
    def f(x):
        with open(os.environ["LOG"], "a") as log:
            log.write("ran %r\\n" % (x,))
        return {"x": x, "times": [x * factor] * 3}

    arg = int(os.environ.get("ARG", "3"))
    first = f(arg)
    f.cache_clear()  # the memory layer only: the file answers next
    second = f(arg)
    print(json.dumps([first, second, f.hits]))
    """
)


class PersistentCacheTest(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="weir-pcache-")
        self.addCleanup(shutil.rmtree, self.dir)
        self.nb = os.path.join(self.dir, "nb.py")
        with open(self.nb, "w") as f:
            f.write(SCRIPT)
        self.log = os.path.join(self.dir, "calls.log")
        self.key = os.path.join(self.dir, "keys", "store.key")

    def run_nb(self, key=None, script=None, **env):
        full = dict(os.environ)
        full.pop("WEIR_MARIMO", None)
        full.update(PYTHONPATH=PYTHON_DIR, LOG=self.log, WEIR_STORE_KEY_FILE=key or self.key)
        full.update({k: str(v) for k, v in env.items()})
        proc = subprocess.run([sys.executable, script or self.nb], capture_output=True, text=True, env=full)
        if proc.returncode != 0:
            raise AssertionError("subprocess failed:\n" + proc.stderr)
        return json.loads(proc.stdout.strip().splitlines()[-1]), proc.stderr

    def calls(self):
        if not os.path.exists(self.log):
            return 0
        with open(self.log) as f:
            return len(f.read().splitlines())

    def entries(self):
        return sorted(glob.glob(os.path.join(self.dir, "__weir__", "cache", "*.weircache")))

    def test_a_value_computed_once_is_read_back_by_a_new_process(self):
        out, err = self.run_nb()
        expected = {"x": 3, "times": [6, 6, 6]}
        self.assertEqual(out, [expected, expected, 1])  # cleared memory: read from the file
        self.assertEqual(self.calls(), 1)
        self.assertEqual(len(self.entries()), 1)
        out, err = self.run_nb()
        self.assertEqual(out, [expected, expected, 1])
        self.assertEqual(self.calls(), 1, "the second process must not call the function")
        self.assertEqual(err, "")

    def test_a_changed_argument_or_global_misses(self):
        self.run_nb()
        out, _ = self.run_nb(ARG=4)
        self.assertEqual(out[0], {"x": 4, "times": [8, 8, 8]})
        self.assertEqual(self.calls(), 2)
        out, _ = self.run_nb(FACTOR=5)
        self.assertEqual(out[0], {"x": 3, "times": [15, 15, 15]})
        self.assertEqual(self.calls(), 3)
        self.assertEqual(len(self.entries()), 3)
        # Each is now stored: no further calls.
        self.run_nb(ARG=4)
        self.run_nb(FACTOR=5)
        self.assertEqual(self.calls(), 3)

    def test_keys_do_not_depend_on_the_string_hash_seed(self):
        # A frozenset constant in the code and a set global both iterate in
        # a seed-dependent order; the key must not.
        script = os.path.join(self.dir, "seed.py")
        with open(script, "w") as f:
            f.write(
                SCRIPT.replace("factor = int", 'tags = {"alpha", "beta", "gamma", "delta", "eps"}\nfactor = int').replace(
                    'return {"x": x', 'return {"in": x in {"p", "q", "r", "s", "t"}, "n": len(tags), "x": x'
                )
            )
        for seed in ("1", "2", "3", "4"):
            out, _ = self.run_nb(script=script, PYTHONHASHSEED=seed)
            self.assertEqual(out[0]["n"], 5)
        self.assertEqual(self.calls(), 1)

    def test_save_path_puts_the_entries_there(self):
        elsewhere = os.path.join(self.dir, "elsewhere")
        script = os.path.join(self.dir, "saved.py")
        with open(script, "w") as f:
            f.write(SCRIPT.replace("@mo.persistent_cache\n", "@mo.persistent_cache(save_path=%r)\n" % elsewhere))
        self.run_nb(script=script)
        self.run_nb(script=script)
        self.assertEqual(self.calls(), 1)
        self.assertEqual(self.entries(), [])
        self.assertEqual(len(glob.glob(os.path.join(elsewhere, "*.weircache"))), 1)

    def damaged(self, damage, reason):
        """Damage the one entry; the next run reports it (naming the file),
        calls the function again, rewrites the entry; the run after that
        reads the rewritten entry without a call."""
        self.run_nb()
        [path] = self.entries()
        damage(path)
        out, err = self.run_nb()
        expected = {"x": 3, "times": [6, 6, 6]}
        self.assertEqual(out[:2], [expected, expected])
        self.assertIn(path, err)
        self.assertIn(reason, err)
        self.assertIn("calling `f` again and rewriting it", err)
        self.assertEqual(self.calls(), 2)
        out, err = self.run_nb()
        self.assertEqual(out, [expected, expected, 1])
        self.assertEqual(err, "")
        self.assertEqual(self.calls(), 2)
        return path

    def test_a_flipped_bit_in_the_payload_is_detected_and_repaired(self):
        def flip(path):
            with open(path, "r+b") as f:
                f.seek(-5, os.SEEK_END)
                byte = f.read(1)
                f.seek(-5, os.SEEK_END)
                f.write(bytes([byte[0] ^ 0x10]))

        self.damaged(flip, "fails its BLAKE2b-256 check")

    def test_a_truncated_file_is_detected_and_repaired(self):
        def truncate(path):
            with open(path, "r+b") as f:
                f.truncate(os.path.getsize(path) - 7)

        self.damaged(truncate, "truncated or extended")

    def test_a_file_cut_inside_its_header_is_detected(self):
        def cut(path):
            with open(path, "r+b") as f:
                f.truncate(20)

        self.damaged(cut, "shorter than the")

    def test_a_wrong_magic_is_detected_and_repaired(self):
        def magic(path):
            with open(path, "r+b") as f:
                f.write(b"NOTWEIR!")

        self.damaged(magic, "wrong magic")

    def test_a_flipped_bit_in_the_header_is_detected_and_repaired(self):
        def flip(path):
            with open(path, "r+b") as f:
                f.seek(17)  # inside the payload length
                byte = f.read(1)
                f.seek(17)
                f.write(bytes([byte[0] ^ 0x01]))

        self.damaged(flip, "header checksum does not match")

    def test_a_fifo_in_place_of_an_entry_is_refused_unread(self):
        # Opening a FIFO for reading would block the cell forever.
        self.damaged(lambda path: (os.unlink(path), os.mkfifo(path)), "not a regular file")

    def test_a_file_copied_onto_another_keys_name_is_refused(self):
        self.run_nb()
        self.run_nb(ARG=4)
        self.assertEqual(self.calls(), 2)
        entries = self.entries()
        self.assertEqual(len(entries), 2)
        # Whichever is ARG=4's entry, copy it over ARG=3's: find by trying.
        with open(self.log, "w"):
            pass
        shutil.copyfile(entries[0], entries[1])
        out3, err3 = self.run_nb()
        out4, err4 = self.run_nb(ARG=4)
        self.assertEqual(out3[0], {"x": 3, "times": [6, 6, 6]})
        self.assertEqual(out4[0], {"x": 4, "times": [8, 8, 8]})
        err = err3 + err4
        self.assertIn(entries[1], err)
        self.assertIn("stored for another key", err)
        self.assertEqual(self.calls(), 1, "exactly the run whose entry was replaced calls again")

    def test_an_entry_written_under_another_store_key_is_never_loaded(self):
        # A forger who can write the directory but lacks the user's key:
        # every checksum valid, on the right key, the payload a pickle
        # that would create a file when loaded.
        self.run_nb()
        [path] = self.entries()
        marker = os.path.join(self.dir, "PWNED")
        forge = textwrap.dedent(
            """
            import os, pickle, sys
            from weir._mocompat import _pcache
            class Evil:
                def __reduce__(self):
                    return (open, (%r, "w"))
            path = %r
            key = bytes.fromhex(os.path.basename(path)[:64])
            _pcache.write_entry(path, key, pickle.dumps(Evil(), protocol=5), b"\\x07" * 32)
            """
        ) % (marker, path)
        subprocess.run([sys.executable, "-c", forge], check=True, env=dict(os.environ, PYTHONPATH=PYTHON_DIR))
        out, err = self.run_nb()
        self.assertFalse(os.path.exists(marker), "a forged entry was unpickled")
        self.assertIn(path, err)
        self.assertIn("not authenticated", err)
        self.assertEqual(out[0], {"x": 3, "times": [6, 6, 6]})
        self.assertEqual(self.calls(), 2)

    def test_unhashable_arguments_fall_back_to_memory_with_one_note(self):
        script = os.path.join(self.dir, "gen.py")
        with open(script, "w") as f:
            f.write(
                textwrap.dedent(
                    """
                    import json, os
                    from weir import _mohook
                    _mohook.install("worker")
                    import marimo as mo

                    calls = []

                    @mo.persistent_cache
                    def first(it, _log=calls):
                        _log.append(1)
                        return 42

                    g = (i for i in range(3))
                    h = (i for i in range(3))
                    print(json.dumps([first(g), first(g), first(h), len(calls), first.hits]))
                    """
                )
            )
        out, err = self.run_nb(script=script)
        self.assertEqual(out, [42, 42, 42, 2, 1])  # by identity in memory, as `mo.cache`
        self.assertEqual(err.count("has no content hash"), 1, err)
        self.assertIn("argument 1: generator", err)
        self.assertIn("cached in memory only", err)
        self.assertEqual(self.entries(), [])

    def test_an_unusable_key_file_falls_back_with_a_note(self):
        os.makedirs(os.path.dirname(self.key))
        with open(self.key, "wb") as f:
            f.write(b"short")
        os.chmod(self.key, 0o600)
        out, err = self.run_nb()
        self.assertEqual(out[0], {"x": 3, "times": [6, 6, 6]})
        self.assertIn("5 bytes; a store key file holds exactly 32", err)
        self.assertEqual(self.entries(), [])


if __name__ == "__main__":
    unittest.main()
