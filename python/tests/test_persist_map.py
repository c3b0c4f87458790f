"""The worker's mapping of verified store object files (`_persist.map_object`):
zero copy, writeable, copy-on-write (writes never reach the file); std only,
plus NumPy when it is installed."""

import os
import pickle
import sys
import tempfile
import unittest

from weir._persist import map_object

from ._skip import skip_or_fail

HEADER = 64


def object_file(directory, payload):
    path = os.path.join(directory, "obj")
    with open(path, "wb") as f:
        f.write(b"H" * HEADER + payload)
    return path


class MapObject(unittest.TestCase):
    def setUp(self):
        self._tmp = tempfile.TemporaryDirectory()
        self.addCleanup(self._tmp.cleanup)

    def test_payload_is_mapped_writeable_and_writes_stay_private(self):
        payload = bytes(range(256)) * (5 * 4096)  # 5 MiB
        path = object_file(self._tmp.name, payload)
        view = map_object(path, HEADER, len(payload))
        self.assertFalse(view.readonly)
        self.assertEqual(view.nbytes, len(payload))
        self.assertEqual(bytes(view[:256]), bytes(range(256)))
        view[0] = 0xFF
        view[len(payload) // 2] ^= 0x01
        self.assertEqual(view[0], 0xFF)
        with open(path, "rb") as f:
            self.assertEqual(f.read(), b"H" * HEADER + payload, "the file is unchanged")
        # A second mapping sees the file, not the first one's writes.
        self.assertEqual(map_object(path, HEADER, len(payload))[0], 0)

    def test_a_file_of_another_length_is_refused(self):
        path = object_file(self._tmp.name, b"x" * 100)
        with self.assertRaises(OSError):
            map_object(path, HEADER, 101)
        with self.assertRaises(OSError):
            map_object(os.path.join(self._tmp.name, "missing"), HEADER, 1)

    def test_numpy_array_over_a_mapping_is_zero_copy_and_writeable(self):
        try:
            import numpy as np
        except ImportError:
            skip_or_fail(self, "numpy is not installed in %s" % sys.executable)
        arr = np.arange(1 << 18, dtype="float64")
        oob = []
        main = pickle.dumps(arr, protocol=5, buffer_callback=oob.append)
        raw = bytes(oob[0].raw())
        path = object_file(self._tmp.name, raw)
        view = map_object(path, HEADER, len(raw))
        back = pickle.loads(main, buffers=[view])
        self.assertTrue(back.flags.writeable)
        self.assertTrue(np.shares_memory(back, np.frombuffer(view, dtype="float64")))
        back[0] = 42.0
        self.assertEqual(back[1], 1.0)
        with open(path, "rb") as f:
            self.assertEqual(f.read()[HEADER:], raw, "the file is unchanged")


if __name__ == "__main__":
    unittest.main()
