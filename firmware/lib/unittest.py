# A small unittest for the port (frozen; our own code): the parts of CPython's unittest API that
# MicroPython's tests use. unittest.main() runs every TestCase subclass of the main module and
# ends with the summary run-tests.py looks for: a line of 70 "-", "Ran N tests", an empty line,
# then "OK", "OK (skipped=N)" or "FAILED (failures=N, errors=N)".
import sys


class SkipTest(Exception):
    pass


class _Raises:
    def __init__(self, case, exc):
        self.case = case
        self.expected = exc
        self.exception = None

    def __enter__(self):
        return self

    def __exit__(self, typ, value, tb):
        if typ is None:
            self.case.fail("%r not raised" % (self.expected,))
        if not issubclass(typ, self.expected):
            return False
        self.exception = value
        return True


class _SubTest:
    def __enter__(self):
        return self

    def __exit__(self, typ, value, tb):
        return False


class TestCase:
    longMessage = True

    @classmethod
    def setUpClass(cls):
        pass

    @classmethod
    def tearDownClass(cls):
        pass

    def setUp(self):
        pass

    def tearDown(self):
        pass

    def subTest(self, msg=None, **params):
        return _SubTest()

    def skipTest(self, reason):
        raise SkipTest(reason)

    def fail(self, msg=""):
        raise AssertionError(msg)

    def _check(self, ok, default, msg):
        if not ok:
            self.fail(default if msg is None else "%s : %s" % (default, msg))

    def assertEqual(self, x, y, msg=None):
        self._check(x == y, "%r != %r" % (x, y), msg)

    def assertNotEqual(self, x, y, msg=None):
        self._check(x != y, "%r == %r" % (x, y), msg)

    def assertLess(self, x, y, msg=None):
        self._check(x < y, "%r not less than %r" % (x, y), msg)

    def assertLessEqual(self, x, y, msg=None):
        self._check(x <= y, "%r not less than or equal to %r" % (x, y), msg)

    def assertGreater(self, x, y, msg=None):
        self._check(x > y, "%r not greater than %r" % (x, y), msg)

    def assertGreaterEqual(self, x, y, msg=None):
        self._check(x >= y, "%r not greater than or equal to %r" % (x, y), msg)

    def assertAlmostEqual(self, x, y, places=None, msg=None, delta=None):
        if x == y:
            return
        if delta is not None:
            self._check(abs(x - y) <= delta, "%r != %r within %r delta" % (x, y, delta), msg)
        else:
            places = 7 if places is None else places
            self._check(round(abs(y - x), places) == 0, "%r != %r within %r places" % (x, y, places), msg)

    def assertNotAlmostEqual(self, x, y, places=None, msg=None, delta=None):
        if delta is not None:
            self._check(abs(x - y) > delta, "%r == %r within %r delta" % (x, y, delta), msg)
        else:
            places = 7 if places is None else places
            self._check(round(abs(y - x), places) != 0, "%r == %r within %r places" % (x, y, places), msg)

    def assertIs(self, x, y, msg=None):
        self._check(x is y, "%r is not %r" % (x, y), msg)

    def assertIsNot(self, x, y, msg=None):
        self._check(x is not y, "%r is %r" % (x, y), msg)

    def assertIsNone(self, x, msg=None):
        self._check(x is None, "%r is not None" % (x,), msg)

    def assertIsNotNone(self, x, msg=None):
        self._check(x is not None, "unexpectedly None", msg)

    def assertTrue(self, x, msg=None):
        self._check(x, "%r is not true" % (x,), msg)

    def assertFalse(self, x, msg=None):
        self._check(not x, "%r is not false" % (x,), msg)

    def assertIn(self, x, y, msg=None):
        self._check(x in y, "%r not found in %r" % (x, y), msg)

    def assertNotIn(self, x, y, msg=None):
        self._check(x not in y, "%r unexpectedly found in %r" % (x, y), msg)

    def assertIsInstance(self, x, cls, msg=None):
        self._check(isinstance(x, cls), "%r is not an instance of %r" % (x, cls), msg)

    def assertNotIsInstance(self, x, cls, msg=None):
        self._check(not isinstance(x, cls), "%r is an instance of %r" % (x, cls), msg)

    def assertRaises(self, exc, func=None, *args, **kwargs):
        ctx = _Raises(self, exc)
        if func is None:
            return ctx
        with ctx:
            func(*args, **kwargs)


def skip(reason):
    def decorator(f):
        def skipped(*args, **kwargs):
            raise SkipTest(reason)

        return skipped

    return decorator


def skipIf(cond, reason):
    return skip(reason) if cond else (lambda f: f)


def skipUnless(cond, reason):
    return skipIf(not cond, reason)


def expectedFailure(f):
    def test(self):
        try:
            f(self)
        except AssertionError:
            return
        self.fail("unexpected success")

    return test


def _run_class(cls, counts):
    names = sorted(n for n in dir(cls) if n.startswith("test") and callable(getattr(cls, n)))
    try:
        cls.setUpClass()
    except Exception as e:
        # The class's tests do not run: all skipped, or all errors.
        skipped = isinstance(e, SkipTest)
        print("%s ..." % cls.__name__, "skipped:" if skipped else "ERROR", *e.args)
        if not skipped:
            sys.print_exception(e)
        counts[0] += len(names)
        counts[1 if skipped else 3] += len(names)
        return
    for name in names:
        case = cls()
        print("%s (%s) ..." % (name, cls.__name__), end=" ")
        counts[0] += 1
        try:
            case.setUp()
            try:
                getattr(case, name)()
            finally:
                case.tearDown()
            print("ok")
        except SkipTest as e:
            print("skipped:", *e.args)
            counts[1] += 1
        except AssertionError as e:
            print("FAIL")
            sys.print_exception(e)
            counts[2] += 1
        except Exception as e:
            print("ERROR")
            sys.print_exception(e)
            counts[3] += 1
    cls.tearDownClass()


def main(module="__main__"):
    if isinstance(module, str):
        module = sys.modules.get(module) or __import__(module)
    counts = [0, 0, 0, 0]  # run, skipped, failures, errors
    for name in dir(module):
        obj = getattr(module, name)
        if isinstance(obj, type) and obj is not TestCase and issubclass(obj, TestCase):
            _run_class(obj, counts)
    print("-" * 70)
    print("Ran %d tests\n" % counts[0])
    if counts[2] or counts[3]:
        print("FAILED (failures=%d, errors=%d)" % (counts[2], counts[3]))
    elif counts[1]:
        print("OK (skipped=%d)" % counts[1])
    else:
        print("OK")
